/**
 * flowFromDirectory: Keras's listing (class order, walk order, extensions, validation split)
 * against the lists the real Keras produced for the same tree, label encodings for every
 * classMode, batching, epochs and shuffling, colour modes and sizes, and option errors.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValueError } from '../../../src/errors.js';
import { ImageDataGenerator } from '../../../src/data/image/imageDataGenerator.js';
import { loadImg } from '../../../src/data/image/loadImg.js';
import type { DirectoryIterator } from '../../../src/data/image/directoryIterator.js';
import { golden } from './golden.js';
import { tempDir, writeImage, writeTree } from './tree.js';

const quiet = (): void => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
};

let listing: string;
let images: string;
/** Class c, image i: a 6×5 RGB image whose pixels encode (c, i, y, x, channel). */
const px = (c: number, i: number) => (y: number, x: number, k: number): number => (c * 60 + i * 10 + y * 5 + x * 2 + k * 7) % 256;
const COUNTS = [3, 5, 2]; // classes 'cat', 'dog', 'eel'

beforeAll(async () => {
  listing = tempDir('list');
  writeTree(listing, golden.tree.files, golden.tree.emptyDirs);
  images = tempDir('img');
  const names = ['cat', 'dog', 'eel'];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < COUNTS[c]; i++) await writeImage(path.join(images, names[c], `${i}.png`), 6, 5, 3, px(c, i));
  }
});
afterAll(() => {
  rmSync(listing, { recursive: true, force: true });
  rmSync(images, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('listing matches Keras flow_from_directory on the same tree', () => {
  for (const c of golden.flowFromDirectory) {
    it(c.name, async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const gen = new ImageDataGenerator({ validationSplit: c.validationSplit });
      const iter = await gen.flowFromDirectory(listing, { targetSize: [2, 2], shuffle: false, subset: c.subset ?? undefined, classes: c.classes ?? undefined });
      // kerno also reads .webp (Keras's legacy list does not); everything else must match exactly.
      const ours = iter.filenames.map((f, i) => ({ f, label: iter.classes[i] })).filter((e) => !e.f.endsWith('.webp'));
      expect(ours.map((e) => e.f)).toEqual(c.filenames);
      expect(ours.map((e) => e.label)).toEqual(c.labels);
      expect(iter.classIndices).toEqual(c.classIndices);
      expect(iter.numClasses).toBe(c.numClasses);
      expect(log).toHaveBeenCalledWith(`Found ${iter.samples} images belonging to ${c.numClasses} classes.`);
      vi.restoreAllMocks();
    });
  }

  it('lists .webp files at their sorted place', async () => {
    quiet();
    const iter = await new ImageDataGenerator().flowFromDirectory(listing, { targetSize: [2, 2], shuffle: false });
    const i = iter.filenames.indexOf(path.join('a', 'w.webp'));
    expect(iter.filenames.slice(i - 1, i + 2)).toEqual([path.join('a', 't.tiff'), path.join('a', 'w.webp'), path.join('a', 'x.jpeg')]);
    expect(iter.filepaths[i]).toBe(path.join(listing, 'a', 'w.webp'));
    vi.restoreAllMocks();
  });
});

describe('batches', () => {
  let iter: DirectoryIterator;
  beforeAll(async () => {
    quiet();
    iter = await new ImageDataGenerator({ rescale: 1 / 255 }).flowFromDirectory(images, { targetSize: [6, 5], batchSize: 4, shuffle: false });
  });
  afterAll(() => vi.restoreAllMocks());

  it('exposes Keras attributes', () => {
    expect(iter.samples).toBe(10);
    expect(iter.length).toBe(3);
    expect(iter.batchSize).toBe(4);
    expect(iter.numClasses).toBe(3);
    expect(iter.classIndices).toEqual({ cat: 0, dog: 1, eel: 2 });
    expect(Array.from(iter.classes)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
    expect(iter.imageShape).toEqual([6, 5, 3]);
    expect(iter.filenames[3]).toBe(path.join('dog', '0.png'));
  });

  it('yields one epoch per for-await pass, the last batch partial, pixels rescaled, one-hot labels', async () => {
    const sizes: number[] = [];
    const labels: number[][] = [];
    let first: Float32Array | undefined;
    for await (const b of iter) {
      sizes.push(b.x.shape[0]);
      expect(b.x.shape.slice(1)).toEqual([6, 5, 3]);
      labels.push(...(b.y!.toArray() as number[][]).map((r) => [r.indexOf(1), r.reduce((s, v) => s + v, 0)]));
      first ??= b.x.data as Float32Array;
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(labels.map((l) => l[0])).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
    expect(labels.every((l) => l[1] === 1)).toBe(true);
    // cat/0.png pixel (y=1, x=2, channel 1), rescaled by 1/255 in float32
    expect(first![(1 * 5 + 2) * 3 + 1]).toBe(Math.fround(Math.fround(px(0, 0)(1, 2, 1)) * Math.fround(1 / 255)));
  });

  it('getBatch(i), next() wrapping into the next epoch, reset()', async () => {
    const b1 = await iter.getBatch(1);
    expect(b1.x.shape[0]).toBe(4);
    expect(Array.from(b1.y!.argMax().data)).toEqual([1, 1, 1, 1]);
    await expect(iter.getBatch(3)).rejects.toThrow(ValueError);
    const epoch = iter.epoch;
    const seen: number[] = [];
    for (let k = 0; k < 4; k++) seen.push((await iter.next()).x.shape[0]);
    expect(seen).toEqual([4, 4, 2, 4]);
    expect(iter.epoch).toBe(epoch + 1);
    iter.reset();
    expect((await iter.next()).x.shape[0]).toBe(4);
  });
});

describe('label encodings for every classMode', () => {
  const enc = async (classMode: 'categorical' | 'binary' | 'sparse' | 'input' | null) => {
    quiet();
    const iter = await new ImageDataGenerator().flowFromDirectory(images, { targetSize: [6, 5], batchSize: 10, shuffle: false, classMode });
    const b = await iter.getBatch(0);
    vi.restoreAllMocks();
    return b;
  };
  it('categorical: one-hot float32 (N, K)', async () => {
    const b = await enc('categorical');
    expect(b.y!.shape).toEqual([10, 3]);
    expect(b.y!.dtype).toBe('float32');
    expect(Array.from(b.y!.argMax().data)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
  });
  it('binary and sparse: the class index as float32 (N)', async () => {
    for (const m of ['binary', 'sparse'] as const) {
      const b = await enc(m);
      expect(b.y!.shape).toEqual([10]);
      expect(b.y!.dtype).toBe('float32');
      expect(Array.from(b.y!.data)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
    }
  });
  it('input: the images themselves (a copy); null: no labels', async () => {
    const b = await enc('input');
    expect(b.y!.shape).toEqual(b.x.shape);
    expect(Array.from(b.y!.data)).toEqual(Array.from(b.x.data));
    expect(b.y!.data).not.toBe(b.x.data);
    expect((await enc(null)).y).toBeNull();
  });
});

describe('shuffling and seeds', () => {
  const order = async (seed: number, passes: number): Promise<number[][]> => {
    quiet();
    const iter = await new ImageDataGenerator().flowFromDirectory(images, { targetSize: [6, 5], batchSize: 3, seed, classMode: 'sparse' });
    const out: number[][] = [];
    for (let p = 0; p < passes; p++) {
      // Pixel (0, 0, 0) identifies the image: (c·60 + i·10) mod 256.
      const ids: number[] = [];
      for await (const b of iter) for (let r = 0; r < b.x.shape[0]; r++) ids.push(b.x.data[r * 90]);
      out.push(ids);
    }
    vi.restoreAllMocks();
    return out;
  };
  it('each epoch is a permutation, a new one per epoch, reproducible with the seed', async () => {
    const a = await order(7, 3), b = await order(7, 3), c = await order(8, 1);
    const all = [0, 10, 20, 60, 70, 80, 90, 100, 120, 130];
    for (const e of a) expect([...e].sort((x, y) => x - y)).toEqual(all);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(a[1]);
    expect(c[0]).not.toEqual(a[0]);
  });
});

describe('colour modes, sizes and interpolation', () => {
  it('grayscale and rgba shapes, resized with PIL like loadImg', async () => {
    quiet();
    for (const [colorMode, ch] of [['grayscale', 1], ['rgba', 4], ['rgb', 3]] as const) {
      const iter = await new ImageDataGenerator().flowFromDirectory(images, {
        targetSize: [9, 4], colorMode, interpolation: 'bicubic', batchSize: 1, shuffle: false,
      });
      const b = await iter.getBatch(0);
      expect(b.x.shape).toEqual([1, 9, 4, ch]);
      const ref = await loadImg(path.join(images, 'cat', '0.png'), { colorMode, targetSize: [9, 4], interpolation: 'bicubic' });
      expect(Array.from(b.x.data)).toEqual(Array.from(ref.data));
    }
    vi.restoreAllMocks();
  });
});

describe('errors', () => {
  it('a missing directory, a file, no class folders, no images', async () => {
    quiet();
    const gen = new ImageDataGenerator();
    await expect(gen.flowFromDirectory(path.join(images, 'nope'))).rejects.toThrow('flowFromDirectory: argument "directory" expected an existing directory');
    await expect(gen.flowFromDirectory(path.join(images, 'cat', '0.png'))).rejects.toThrow(ValueError);
    await expect(gen.flowFromDirectory(path.join(images, 'cat'))).rejects.toThrow(/one sub-folder per class/);
    const empty = tempDir('noimg');
    writeTree(empty, ['a/readme.txt'], ['b']);
    await expect(gen.flowFromDirectory(empty)).rejects.toThrow(/expected images .* with none/).finally(() => rmSync(empty, { recursive: true, force: true }));
    const tiny = await new ImageDataGenerator({ validationSplit: 0.1 }).flowFromDirectory(images, { subset: 'training', targetSize: [2, 2] });
    expect(tiny.samples).toBe(10); // floor(0.1·n) = 0 for every class
    await expect(new ImageDataGenerator({ validationSplit: 0.1 }).flowFromDirectory(images, { subset: 'validation' }))
      .rejects.toThrow(/in subset 'validation' \(validationSplit 0.1\)/);
    vi.restoreAllMocks();
  });

  it('bad options name the option, the valid values and what was received', async () => {
    const gen = new ImageDataGenerator();
    await expect(gen.flowFromDirectory(images, { colorMode: 'bgr' as never })).rejects.toThrow(
      `flowFromDirectory: option "colorMode" expected one of 'rgb', 'rgba', 'grayscale', received "bgr".`);
    await expect(gen.flowFromDirectory(images, { classMode: 'multi_output' as never })).rejects.toThrow(
      `flowFromDirectory: option "classMode" expected one of 'categorical', 'binary', 'sparse', 'input', null, received "multi_output".`);
    await expect(gen.flowFromDirectory(images, { interpolation: 'area' as never })).rejects.toThrow(
      /option "interpolation" expected one of 'nearest', 'bilinear', 'bicubic', 'lanczos', 'box', 'hamming'/);
    await expect(gen.flowFromDirectory(images, { subset: 'test' as never })).rejects.toThrow(/option "subset"/);
    await expect(gen.flowFromDirectory(images, { targetSize: [0, 4] as never })).rejects.toThrow(/option "targetSize"/);
    await expect(gen.flowFromDirectory(images, { batchSize: 0 })).rejects.toThrow(/option "batchSize" expected a positive integer/);
    await expect(gen.flowFromDirectory(images, { target_size: [2, 2] } as never)).rejects.toThrow(/only known option names/);
  });
});
