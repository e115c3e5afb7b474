/**
 * The iterators plugged into the model API: a small CNN trained with
 * model.fit(trainGen, {validationData: valGen, epochs}) on a class-folder tree of PNGs written
 * here (3 classes of 16×16 grayscale patterns), then evaluate(gen) and predict(gen).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ImageDataGenerator } from '../../../src/data/image/imageDataGenerator.js';
import { imageDatasetFromDirectory } from '../../../src/data/image/imageDatasetFromDirectory.js';
import { Sequential } from '../../../src/engine/sequential.js';
import { Conv2D } from '../../../src/layers/conv2d.js';
import { Dense } from '../../../src/layers/dense.js';
import { Flatten } from '../../../src/layers/flatten.js';
import { MaxPooling2D } from '../../../src/layers/maxPooling2d.js';
import { Adam } from '../../../src/optimizers/adam.js';
import { setSeed } from '../../../src/random.js';
import { tempDir, writeImage } from './tree.js';

let dir: string;
// Horizontal stripes, vertical stripes, diagonal stripes; random phase and noise per image.
const PATTERNS: ((y: number, x: number, p: number) => number)[] = [
  (y, _x, p) => ((y + p) >> 1) & 1,
  (_y, x, p) => ((x + p) >> 1) & 1,
  (y, x, p) => ((x + y + p) >> 1) & 1,
];

beforeAll(async () => {
  dir = tempDir('fit');
  let s = 12345;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 12; i++) {
      const phase = Math.floor(rnd() * 4);
      await writeImage(path.join(dir, `class${c}`, `img${String(i).padStart(2, '0')}.png`), 16, 16, 1,
        (y, x) => Math.min(255, Math.max(0, PATTERNS[c](y, x, phase) * 180 + 30 + Math.floor(rnd() * 40) - 20)));
    }
  }
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function cnn(): Sequential {
  setSeed(3);
  const model = new Sequential([
    new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [16, 16, 1] }),
    new MaxPooling2D({ poolSize: 2 }),
    new Flatten(),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

describe('flowFromDirectory with fit, evaluate and predict', () => {
  it('trains a CNN from folders with a validation generator', async () => {
    const gen = new ImageDataGenerator({ rescale: 1 / 255, validationSplit: 0.25 });
    const train = await gen.flowFromDirectory(dir, { targetSize: [16, 16], colorMode: 'grayscale', subset: 'training', batchSize: 8, seed: 1 });
    const val = await gen.flowFromDirectory(dir, { targetSize: [16, 16], colorMode: 'grayscale', subset: 'validation', batchSize: 8, seed: 1 });
    expect([train.samples, val.samples]).toEqual([27, 9]); // floor(0.25·12) = 3 per class held out
    expect(val.filenames.slice(0, 3)).toEqual(['img00.png', 'img01.png', 'img02.png'].map((f) => path.join('class0', f)));

    const model = cnn();
    const history = await model.fit(train, { validationData: val, epochs: 3, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(history.history.loss).toHaveLength(3);
    expect(history.history.loss[2]).toBeLessThan(history.history.loss[0]);
    expect(history.history.accuracy[2]).toBeGreaterThan(0.6); // chance is 1/3
    expect(history.history.val_accuracy[2]).toBeGreaterThan(0.6);

    const [loss, acc] = (await model.evaluate(val, { verbose: 0 })) as number[];
    expect(loss).toBeCloseTo(history.history.val_loss[2], 5);
    expect(acc).toBeCloseTo(history.history.val_accuracy[2], 5);

    const ordered = await gen.flowFromDirectory(dir, { targetSize: [16, 16], colorMode: 'grayscale', classMode: null, shuffle: false, batchSize: 10 });
    const probs = await model.predict(ordered, { verbose: 0 });
    expect(probs.shape).toEqual([36, 3]);
    const predicted = Array.from(probs.argMax().data);
    const agree = predicted.filter((p, i) => p === ordered.classes[i]).length;
    expect(agree).toBeGreaterThan(24);
  });

  it('trains from imageDatasetFromDirectory and from flow() over arrays', async () => {
    const [train, val] = await imageDatasetFromDirectory(dir, {
      imageSize: [16, 16], colorMode: 'grayscale', labelMode: 'categorical', seed: 5, validationSplit: 0.25, subset: 'both', batchSize: 8,
    });
    const model = cnn();
    // Pixels are 0..255 here (no rescale option in the modern API); Adam copes.
    const h = await model.fit(train, { validationData: val, epochs: 3, verbose: 0 });
    expect(h.history.val_accuracy).toHaveLength(3);
    expect(h.history.loss[2]).toBeLessThan(h.history.loss[0]);

    const all = await train.getBatch(0);
    const gen = new ImageDataGenerator({ rescale: 1 / 255, horizontalFlip: true, seed: 2 });
    const h2 = await cnn().fit(gen.flow(all.x, all.y, { batchSize: 4 }), { epochs: 2, verbose: 0 });
    expect(h2.history.loss).toHaveLength(2);
  });
});
