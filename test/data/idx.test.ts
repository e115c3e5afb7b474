/** The IDX reader: round trips for every element type, gzipped or not, and malformed files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { parseIdx, readIdx } from '../../src/data/idx.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TYPES = {
  uint8: { code: 0x08, bytes: 1, set: (v: DataView, o: number, x: number) => v.setUint8(o, x) },
  int8: { code: 0x09, bytes: 1, set: (v: DataView, o: number, x: number) => v.setInt8(o, x) },
  int16: { code: 0x0b, bytes: 2, set: (v: DataView, o: number, x: number) => v.setInt16(o, x, false) },
  int32: { code: 0x0c, bytes: 4, set: (v: DataView, o: number, x: number) => v.setInt32(o, x, false) },
  float32: { code: 0x0d, bytes: 4, set: (v: DataView, o: number, x: number) => v.setFloat32(o, x, false) },
  float64: { code: 0x0e, bytes: 8, set: (v: DataView, o: number, x: number) => v.setFloat64(o, x, false) },
} as const;

/** An IDX file written independently of the reader: big-endian header, dims, data. */
function idxBytes(type: keyof typeof TYPES, dims: number[], values: number[]): Uint8Array {
  const t = TYPES[type];
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + values.length * t.bytes);
  const v = new DataView(out.buffer);
  out[2] = t.code;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  values.forEach((x, i) => t.set(v, header + i * t.bytes, x));
  return out;
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('round trips', () => {
  const cases: [keyof typeof TYPES, number[], string, string][] = [
    ['uint8', [0, 1, 127, 128, 255, 7], 'uint8', 'Uint8Array'],
    ['int8', [-128, -1, 0, 1, 127, 5], 'int32', 'Int32Array'],
    ['int16', [-32768, -2, 0, 300, 32767, 9], 'int32', 'Int32Array'],
    ['int32', [-2147483648, -70000, 0, 1, 2147483647, 65536], 'int32', 'Int32Array'],
    ['float32', [1.5, -2.25, 0, 3.0e38, -1e-30, 0.1], 'float32', 'Float32Array'],
    ['float64', [1.5, -2.25, 0, 1e10, -0.125, 0.1], 'float32', 'Float32Array'],
  ];
  for (const [type, values, dtype, ctor] of cases) {
    for (const gz of [false, true]) {
      it(`${type} ${gz ? 'gzipped' : 'raw'} → ${dtype}`, () => {
        const raw = idxBytes(type, [2, 3], values);
        const t = readIdx(file(`${type}${gz ? '.gz' : ''}`, gz ? gzipSync(raw) : raw));
        expect(t.shape).toEqual([2, 3]);
        expect(t.dtype).toBe(dtype);
        expect(t.data.constructor.name).toBe(ctor);
        expect(Array.from(t.data)).toEqual(values.map((x) => (dtype === 'float32' ? Math.fround(x) : x)));
      });
    }
  }

  it('reads MNIST-shaped uint8 images (rank 3) and labels (rank 1)', () => {
    const px = Array.from({ length: 2 * 4 * 3 }, (_, i) => (i * 37) % 256);
    const x = parseIdx(gzipSync(idxBytes('uint8', [2, 4, 3], px)));
    expect(x.shape).toEqual([2, 4, 3]);
    expect(x.toArray()).toEqual([0, 1].map((n) => [0, 1, 2, 3].map((r) => [0, 1, 2].map((c) => px[n * 12 + r * 3 + c]))));
    expect(parseIdx(idxBytes('uint8', [3], [9, 0, 3])).toArray()).toEqual([9, 0, 3]);
  });

  it('copies the data out of the input buffer', () => {
    const raw = idxBytes('uint8', [2], [5, 6]);
    const t = parseIdx(raw);
    raw[8] = 99;
    expect(t.data[0]).toBe(5);
  });

  it('accepts empty dimensions and rank 0', () => {
    expect(parseIdx(idxBytes('uint8', [0, 28, 28], [])).shape).toEqual([0, 28, 28]);
    const s = parseIdx(idxBytes('int32', [], [42]));
    expect(s.shape).toEqual([]);
    expect(s.toArray()).toBe(42);
  });
});

describe('malformed files are ValueErrors naming the file', () => {
  const expectError = (bytes: Uint8Array, pattern: RegExp, name = 'bad.idx'): void => {
    const p = file(name, bytes);
    let error: unknown;
    try {
      readIdx(p);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toContain(`readIdx(${p}) expected `);
    expect((error as Error).message).toMatch(pattern);
  };

  it('empty or shorter than the magic number', () => {
    expectError(new Uint8Array(0), /expected a 4-byte IDX magic number, received 0 bytes\. The file is truncated\./);
    expectError(Uint8Array.of(0, 0, 8), /received 3 bytes/);
  });

  it('bad magic: nonzero leading bytes, unknown element type', () => {
    expectError(new TextEncoder().encode('P5\n28 28\n255\n'), /two zero bytes, received 0x50 0x35\. This is not an IDX file\./);
    const raw = idxBytes('uint8', [1], [1]);
    raw[2] = 0x0a;
    expectError(raw, /element type 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e, received 0x0a/);
  });

  it('truncated header, truncated data, trailing bytes', () => {
    expectError(idxBytes('uint8', [2, 28, 28], []).subarray(0, 12), /expected 16 header bytes for 3 dimensions, received 12 bytes\. The file is truncated\./);
    expectError(idxBytes('int16', [2, 3], [1, 2, 3, 4, 5]), /expected 12 data bytes for int16 dimensions \[2, 3\], received 10\. The file is truncated\./);
    const extra = new Uint8Array(idxBytes('uint8', [2], [1, 2]).length + 1);
    extra.set(idxBytes('uint8', [2], [1, 2]));
    expectError(extra, /received 3\. The file has trailing bytes\./);
  });

  it('huge dimensions fail before allocating, without overflow', () => {
    const raw = idxBytes('float64', [0xffffffff, 0xffffffff, 0xffffffff], []);
    expectError(raw, /dimensions whose product fits in 1073741824 bytes \(options.maxBytes\), received dimensions \[4294967295, \.\.\.\]\. The header is corrupt/);
    // 2^15 · 2^15 bytes is exactly the default limit; the third dimension takes it over.
    expectError(idxBytes('uint8', [0x8000, 0x8000, 0xffffffff], []), /received dimensions \[32768, 32768, 4294967295\]\./);
    // A product that would be exact in doubles but still far beyond the data present.
    expectError(idxBytes('uint8', [60000, 28, 28], [1, 2, 3]), /expected 47040000 data bytes .* received 3\. The file is truncated\./);
  });

  it('corrupt or truncated gzip', () => {
    const gz = gzipSync(idxBytes('uint8', [100], new Array(100).fill(3)));
    expectError(gz.subarray(0, gz.length - 10), /expected valid gzip data, received data zlib rejects/, 'cut.gz');
  });

  it('gzip inflating beyond maxBytes (a gzip bomb)', () => {
    const bomb = gzipSync(new Uint8Array(4 << 20)); // 4 MiB of zeros in a few KiB
    expect(bomb.length).toBeLessThan(10_000);
    const p = file('bomb.gz', bomb);
    expect(() => readIdx(p, { maxBytes: 1 << 20 })).toThrow(ValueError);
    expect(() => readIdx(p, { maxBytes: 1 << 20 })).toThrow(/gzip data inflating to at most 1048576 bytes \(options.maxBytes\)/);
    expect(() => parseIdx(bomb, { maxBytes: 1 << 20, name: 'bomb' })).toThrow(/^bomb expected gzip data inflating/);
  });

  it('raw data beyond maxBytes and bad options', () => {
    expect(() => parseIdx(idxBytes('uint8', [64], new Array(64).fill(0)), { maxBytes: 32 })).toThrow(/at most 32 bytes/);
    expect(() => readIdx(join(dir, 'x'), { maxBytes: -1 })).toThrow(ValueError);
    expect(() => readIdx(join(dir, 'missing.idx'))).toThrow(/ENOENT/);
  });
});
