/** datasets.fashionMnist: the shipped subset, a folder of the full dataset, and its errors. */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { datasets } from '../../src/data/index.js';
import type { Tensor } from '../../src/tensor.js';

const SHIPPED = new URL('../../data/fashion-mnist/', import.meta.url).pathname;
const DEBIAN = '/usr/share/datasets/fashion-mnist';
const dir = mkdtempSync(join(tmpdir(), 'kerno-fmnist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (t: Tensor): string => createHash('sha256').update(t.data).digest('hex');
const counts = (y: Tensor): number[] => {
  const c = new Array<number>(10).fill(0);
  for (const v of y.data) c[v]++;
  return c;
};

describe('the shipped subset (the default)', () => {
  const d = datasets.fashionMnist();

  it('has 10,000 training and 2,000 test uint8 images of 28×28', () => {
    expect(d.train.x.shape).toEqual([10000, 28, 28]);
    expect(d.train.y.shape).toEqual([10000]);
    expect(d.test.x.shape).toEqual([2000, 28, 28]);
    expect(d.test.y.shape).toEqual([2000]);
    for (const t of [d.train.x, d.train.y, d.test.x, d.test.y]) expect(t.dtype).toBe('uint8');
  });

  it('holds exactly the first images of Fashion-MNIST (pixel bytes hashed by Python, header skipped)', () => {
    expect(sha256(d.train.x)).toBe('2929ae1c7b89e0ee6587bbe4911fd5f0a5dafe21ae6ed9b737173cbfe20c12c9');
    expect(sha256(d.train.y)).toBe('1022e4632874e71bb84d924c475e6a3428a2deeb8c5a0f612a015c97e4fce7f0');
    expect(sha256(d.test.x)).toBe('09bbac78738f0229a68f7ca74e62665d7fb34f45ea7a3509ab5c4a202c1370de');
    expect(sha256(d.test.y)).toBe('a86243d2b2400909bc0a82f5fd5c9df83bf827852a1543e3dc70af890035a9d4');
    // The well-known first labels: ankle boot, T-shirt, T-shirt, dress, T-shirt / ankle boot, pullover, trouser...
    expect(Array.from(d.train.y.data.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
    expect(Array.from(d.test.y.data.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
  });

  it('labels lie in 0..9 with the class balance stated in data/fashion-mnist/README.md', () => {
    expect(counts(d.train.y)).toEqual([942, 1027, 1016, 1019, 974, 989, 1021, 1022, 990, 1000]);
    expect(counts(d.test.y)).toEqual([200, 203, 214, 190, 219, 195, 197, 200, 194, 188]);
  });

  it("gives Keras's class names", () => {
    expect(d.classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
  });

  it('ships its licence and README', () => {
    expect(readFileSync(join(SHIPPED, 'LICENSE'), 'utf8')).toMatch(/Zalando SE[\s\S]*Permission is hereby granted, free of charge/);
    expect(existsSync(join(SHIPPED, 'README.md'))).toBe(true);
  });
});

describe('loading from a folder', () => {
  it('reads uncompressed files as well as .gz', () => {
    for (const base of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(join(dir, base), gunzipSync(readFileSync(join(SHIPPED, `${base}.gz`))));
    }
    const d = datasets.fashionMnist({ path: dir });
    expect(d.train.x.shape).toEqual([10000, 28, 28]);
    expect(sha256(d.test.x)).toBe('09bbac78738f0229a68f7ca74e62665d7fb34f45ea7a3509ab5c4a202c1370de');
  });

  it.skipIf(!existsSync(DEBIAN))(`loads the full dataset from ${DEBIAN} (apt-get install dataset-fashion-mnist)`, () => {
    const d = datasets.fashionMnist({ path: DEBIAN });
    expect(d.train.x.shape).toEqual([60000, 28, 28]);
    expect(d.test.x.shape).toEqual([10000, 28, 28]);
    expect(counts(d.train.y)).toEqual(new Array(10).fill(6000));
    expect(counts(d.test.y)).toEqual(new Array(10).fill(1000));
    // The shipped subset is its prefix.
    const sub = datasets.fashionMnist();
    expect(sha256(d.train.x.slice(0, 10000))).toBe(sha256(sub.train.x));
    expect(sha256(d.test.y.slice(0, 2000))).toBe(sha256(sub.test.y));
  });
});

describe('errors', () => {
  it('a folder without the files', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    expect(() => datasets.fashionMnist({ path: empty })).toThrow(ValueError);
    expect(() => datasets.fashionMnist({ path: empty })).toThrow(
      `datasets.fashionMnist(path) expected a folder holding train-images-idx3-ubyte.gz or train-images-idx3-ubyte, received ${JSON.stringify(empty)}, which has neither.`,
    );
  });

  it('files of the wrong shape or with labels beyond 9', () => {
    const bad = mkdtempSync(join(dir, 'bad-'));
    const idx = (dims: number[], fill: number): Uint8Array => {
      const n = dims.reduce((a, b) => a * b, 1);
      const b = new Uint8Array(4 + 4 * dims.length + n).fill(fill);
      b.fill(0, 0, 4);
      b[2] = 8;
      b[3] = dims.length;
      dims.forEach((d, i) => new DataView(b.buffer).setUint32(4 + 4 * i, d));
      return b;
    };
    for (const p of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(SHIPPED, p), join(bad, p));
    writeFileSync(join(bad, 'train-images-idx3-ubyte'), idx([2, 28, 28], 1));
    writeFileSync(join(bad, 'train-labels-idx1-ubyte'), idx([3], 1));
    expect(() => datasets.fashionMnist({ path: bad })).toThrow(/expected uint8 labels of shape \[2\] \(one per image\), received uint8 \[3\]/);
    writeFileSync(join(bad, 'train-labels-idx1-ubyte'), idx([2], 10));
    expect(() => datasets.fashionMnist({ path: bad })).toThrow(/expected labels in \[0, 9\], received 10 at index 0/);
    writeFileSync(join(bad, 'train-images-idx3-ubyte'), idx([2, 27, 28], 1));
    expect(() => datasets.fashionMnist({ path: bad })).toThrow(/expected uint8 images of shape \[N, 28, 28\], received uint8 \[2, 27, 28\]/);
  });

  it('a path that is not a string', () => {
    expect(() => datasets.fashionMnist({ path: 3 as never })).toThrow(ValueError);
  });
});
