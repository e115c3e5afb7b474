/**
 * End to end: Fashion-MNIST images (the first 5,000 of the shipped training subset) written as a
 * class-folder tree of 28×28 grayscale PNGs, trained with flowFromDirectory's 'training' subset
 * and validated on its 'validation' subset for 2 epochs, reach test accuracy within 2 points of
 * the same model trained on the same images from arrays.
 *
 * Two runs that visit the images in different random orders differ by a few points after 2 epochs
 * on 4,500 images (run-to-run noise, not a pipeline effect), so the array run visits the images
 * in the generator's own per-epoch order: any difference then comes from the pipeline itself
 * (pixels, labels, batching).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { datasets } from '../../../src/data/index.js';
import { ImageDataGenerator } from '../../../src/data/image/imageDataGenerator.js';
import { toCategorical } from '../../../src/data/toCategorical.js';
import { Sequential } from '../../../src/engine/sequential.js';
import { Dense } from '../../../src/layers/dense.js';
import { Flatten } from '../../../src/layers/flatten.js';
import { setSeed } from '../../../src/random.js';
import { Tensor } from '../../../src/tensor.js';
import { tempDir, writeImage } from './tree.js';

const N = 5000;
let dir: string;
const { train, test } = datasets.fashionMnist();

beforeAll(async () => {
  dir = tempDir('fmnist');
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    const px = train.x.data.subarray(i * 784, (i + 1) * 784);
    jobs.push(writeImage(path.join(dir, `class${train.y.data[i]}`, `${String(i).padStart(5, '0')}.png`), 28, 28, 1, (y, x) => px[y * 28 + x]));
    if (jobs.length === 64) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function mlp(): Sequential {
  setSeed(42);
  const model = new Sequential([
    new Flatten({ inputShape: [28, 28, 1] }),
    new Dense({ units: 128, activation: 'relu' }),
    new Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Images listed by the iterator, as arrays in its listing order: x / 255 (N, 28, 28, 1), one-hot y. */
function arraysOf(filenames: readonly string[]): { x: Tensor; y: Tensor } {
  const idx = filenames.map((f) => Number(path.basename(f, '.png')));
  const x = new Float32Array(idx.length * 784);
  idx.forEach((j, r) => {
    for (let k = 0; k < 784; k++) x[r * 784 + k] = Math.fround(train.x.data[j * 784 + k] * Math.fround(1 / 255));
  });
  return { x: new Tensor(x, [idx.length, 28, 28, 1]), y: toCategorical(Int32Array.from(idx, (j) => train.y.data[j]), 10) };
}

describe('Fashion-MNIST from a folder of PNGs', () => {
  it('flowFromDirectory training reaches the accuracy of training on the same arrays (within 2 points)', async () => {
    const gen = new ImageDataGenerator({ rescale: 1 / 255, validationSplit: 0.1 });
    const opts = { targetSize: [28, 28] as [number, number], colorMode: 'grayscale' as const, batchSize: 32, seed: 7 };
    const trainGen = await gen.flowFromDirectory(dir, { ...opts, subset: 'training' });
    const valGen = await gen.flowFromDirectory(dir, { ...opts, subset: 'validation' });
    expect(trainGen.samples + valGen.samples).toBe(N);

    const testX = new Tensor(Float32Array.from(test.x.data.subarray(0, 2000 * 784), (v) => v / 255), [2000, 28, 28, 1]);
    const testY = toCategorical(test.y.slice(0, 2000), 10);

    const fromFolder = mlp();
    const h = await fromFolder.fit(trainGen, { validationData: valGen, epochs: 2, verbose: 0 });
    expect(h.history.val_accuracy).toHaveLength(2);
    const [, accFolder] = (await fromFolder.evaluate(testX, testY, { verbose: 0 })) as number[];

    const tr = arraysOf(trainGen.filenames), va = arraysOf(valGen.filenames);
    // The same pixels reach the model either way.
    const first = await (await gen.flowFromDirectory(dir, { ...opts, subset: 'training', shuffle: false })).getBatch(0);
    expect(Array.from(first.x.data)).toEqual(Array.from(tr.x.data.subarray(0, first.x.size)));

    // The generator's visiting order for epochs 0 and 1 (an identical iterator: same seed).
    const twin = await gen.flowFromDirectory(dir, { ...opts, subset: 'training' });
    const fromArrays = mlp();
    for (let e = 0; e < 2; e++) {
      const order = twin.indexArray;
      await fromArrays.fit(tr.x.gather(order), tr.y.gather(order), { validationData: [va.x, va.y], epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
      twin.onEpochEnd();
    }
    const [, accArrays] = (await fromArrays.evaluate(testX, testY, { verbose: 0 })) as number[];
    expect(accFolder).toBeGreaterThan(0.7);
    expect(Math.abs(accFolder - accArrays)).toBeLessThanOrEqual(0.02);
  });
});
