/**
 * imageDatasetFromDirectory: the file list, class names and seeded training/validation split
 * against Keras's image_dataset_from_directory on the same tree, label encodings, per-epoch
 * shuffling, and Keras's argument checks.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValueError } from '../../../src/errors.js';
import { imageDatasetFromDirectory } from '../../../src/data/image/imageDatasetFromDirectory.js';
import type { ImageDataset } from '../../../src/data/image/imageDataset.js';
import { golden } from './golden.js';
import { tempDir, writeImage, writeTree } from './tree.js';

let listing: string, images: string;
const COUNTS = [4, 6, 3];

beforeAll(async () => {
  listing = tempDir('dslist');
  writeTree(listing, golden.tree.files, golden.tree.emptyDirs);
  images = tempDir('dsimg');
  const names = ['ant', 'bee', 'cow'];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < COUNTS[c]; i++) await writeImage(path.join(images, names[c], `${i}.png`), 5, 7, 3, () => c * 50 + i);
  }
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(() => {
  rmSync(listing, { recursive: true, force: true });
  rmSync(images, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('file lists and splits match Keras on the same tree', () => {
  const cases: { name: string; run: () => Promise<ImageDataset | [ImageDataset, ImageDataset]> }[] = [
    { name: 'no shuffle', run: () => imageDatasetFromDirectory(listing, { imageSize: [2, 2], shuffle: false }) },
    { name: 'seed 1337 split 0.2', run: () => imageDatasetFromDirectory(listing, { imageSize: [2, 2], seed: 1337, validationSplit: 0.2, subset: 'both' }) },
    { name: 'seed 7 no split', run: () => imageDatasetFromDirectory(listing, { imageSize: [2, 2], seed: 7 }) },
    { name: 'class_names order', run: () => imageDatasetFromDirectory(listing, { imageSize: [2, 2], shuffle: false, classNames: ['B', 'a'] }) },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await c.run();
      const list = Array.isArray(got) ? got : [got];
      const expected = golden.datasetFromDirectory.filter((g) => g.name === c.name || g.name.startsWith(`${c.name} (`));
      expect(list).toHaveLength(expected.length);
      list.forEach((ds, k) => {
        expect(ds.filePaths.map((p) => path.relative(listing, p))).toEqual(expected[k].filePaths);
        expect(ds.classNames).toEqual(expected[k].classNames);
        // labels follow the class folder of each file
        expect(Array.from(ds.labels!)).toEqual(expected[k].filePaths.map((p) => expected[k].classNames.indexOf(p.split(path.sep)[0])));
      });
    });
  }

  it("the seeded 'training' and 'validation' subsets are the two halves of 'both'", async () => {
    const [tr, va] = await imageDatasetFromDirectory(listing, { imageSize: [2, 2], seed: 1337, validationSplit: 0.2, subset: 'both' });
    const t = await imageDatasetFromDirectory(listing, { imageSize: [2, 2], seed: 1337, validationSplit: 0.2, subset: 'training' });
    const v = await imageDatasetFromDirectory(listing, { imageSize: [2, 2], seed: 1337, validationSplit: 0.2, subset: 'validation' });
    expect(t.filePaths).toEqual(tr.filePaths);
    expect(v.filePaths).toEqual(va.filePaths);
  });
});

describe('batches', () => {
  const ids = (x: Float32Array, n: number): number[] => Array.from({ length: n }, (_, r) => x[r * 5 * 7 * 3]);

  it("label modes: 'int' int32 (N), 'categorical' one-hot (N, K), 'binary' float32 (N, 1), null none", async () => {
    const get = async (labelMode: 'int' | 'categorical' | 'binary' | null, dir = images) =>
      (await (await imageDatasetFromDirectory(dir, { imageSize: [5, 7], shuffle: false, batchSize: 64, labelMode })).getBatch(0));
    const int = await get('int');
    expect(int.y!.dtype).toBe('int32');
    expect(Array.from(int.y!.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2]);
    const cat = await get('categorical');
    expect(cat.y!.shape).toEqual([13, 3]);
    expect(Array.from(cat.y!.argMax().data)).toEqual(Array.from(int.y!.data));
    expect((await get(null)).y).toBeNull();
    expect(ids(int.x.data as Float32Array, 13)).toEqual([0, 1, 2, 3, 50, 51, 52, 53, 54, 55, 100, 101, 102]);
    await expect(get('binary')).rejects.toThrow(/exactly 2 classes/);
    const two = await imageDatasetFromDirectory(images, { imageSize: [5, 7], shuffle: false, classNames: ['cow', 'ant'], labelMode: 'binary' });
    const b = await two.getBatch(0);
    expect(b.y!.shape).toEqual([7, 1]);
    expect(Array.from(b.y!.data)).toEqual([0, 0, 0, 1, 1, 1, 1]);
  });

  it('each pass is a new permutation of the training files; the validation half of both is not reshuffled', async () => {
    const [tr, va] = await imageDatasetFromDirectory(images, { imageSize: [5, 7], seed: 3, validationSplit: 0.3, subset: 'both', batchSize: 4 });
    expect([tr.n, va.n]).toEqual([10, 3]);
    const pass = async (ds: ImageDataset): Promise<number[]> => {
      const out: number[] = [];
      for await (const b of ds) out.push(...ids(b.x.data as Float32Array, b.x.shape[0]));
      return out;
    };
    const p1 = await pass(tr), p2 = await pass(tr);
    expect([...p1].sort((a, b) => a - b)).toEqual([...p2].sort((a, b) => a - b));
    expect(p1).not.toEqual(p2);
    expect(await pass(va)).toEqual(await pass(va));
  });
});

describe("Keras's argument checks", () => {
  it('rejects inconsistent split arguments and bad values', async () => {
    const run = (a: object) => imageDatasetFromDirectory(images, a as never);
    await expect(run({ validationSplit: 0.2, subset: 'training' })).rejects.toThrow(/option "seed" expected a seed/);
    await expect(run({ validationSplit: 0.2 })).rejects.toThrow(/validationSplit and subset given together/);
    await expect(run({ subset: 'training' })).rejects.toThrow(ValueError);
    await expect(run({ validationSplit: 1, subset: 'both', seed: 1 })).rejects.toThrow(/validationSplit/);
    await expect(run({ interpolation: 'lanczos5' })).rejects.toThrow(/option "interpolation" expected one of 'bilinear', 'nearest', 'bicubic'/);
    await expect(run({ labelMode: 'sparse' })).rejects.toThrow(/labelMode/);
    await expect(run({ classNames: ['ant', 'zebra'] })).rejects.toThrow(/classNames" expected names of sub-folders \(ant, bee, cow\), received "zebra"/);
    await expect(run({ labels: [0, 1] })).rejects.toThrow(/one label per file \(13 files found\), received 2 labels/);
    await expect(run({ seed: -1 })).rejects.toThrow(/seed/);
    await expect(imageDatasetFromDirectory(path.join(images, 'nope'))).rejects.toThrow(/expected an existing directory/);
  });

  it('explicit labels: one per file in listing order, class names are the sorted label values', async () => {
    const labels = Array.from({ length: 13 }, (_, i) => (i % 3) * 2);
    const ds = await imageDatasetFromDirectory(images, { labels, shuffle: false, imageSize: [5, 7] });
    expect(ds.classNames).toEqual(['0', '2', '4']);
    expect(Array.from(ds.labels!)).toEqual(labels);
  });
});
