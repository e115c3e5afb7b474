/**
 * The three gradient-descent flavours on the Fashion-MNIST subset shipped in the repo, with the
 * tutorial's MLP (Rescaling 1/255 → Flatten → Dense 256 relu → Dense 128 relu → Dense 10 softmax):
 * batch gradient descent (batchSize = the whole training set), stochastic gradient descent
 * (batchSize 1) and mini-batch gradient descent (batchSize 32). Each must lower the training loss
 * and reach a test accuracy well above chance (0.1 for ten classes). Small slices of the data keep
 * this quick on a loaded machine.
 */
import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/data/index.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Rescaling } from '../../src/layers/rescaling.js';
import { Adam } from '../../src/optimizers/adam.js';
import { SGD } from '../../src/optimizers/sgd.js';
import { setSeed } from '../../src/random.js';

const { train, test } = datasets.fashionMnist();

function mlp(): Sequential {
  return new Sequential([
    new Rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
    new Flatten(),
    new Dense({ units: 256, activation: 'relu' }),
    new Dense({ units: 128, activation: 'relu' }),
    new Dense({ units: 10, activation: 'softmax' }),
  ]);
}

/** Trains on the first `n` training images and returns the per-epoch losses and the test accuracy. */
async function run(n: number, batchSize: number, epochs: number, optimizer: Adam | SGD): Promise<{ loss: number[]; accuracy: number }> {
  setSeed(7);
  const model = mlp();
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = train.x.slice(0, n), y = train.y.slice(0, n);
  // Loss before any update, so one-epoch runs can show a decrease too.
  const [initial] = (await model.evaluate(x, y, { verbose: 0 })) as number[];
  const h = await model.fit(x, y, { epochs, batchSize, verbose: 0, shuffle: true });
  const [, accuracy] = (await model.evaluate(test.x, test.y, { verbose: 0 })) as number[];
  return { loss: [initial, ...h.history.loss], accuracy };
}

describe('gradient-descent flavours on Fashion-MNIST', () => {
  it('batch gradient descent (batchSize = all 2000, Adam 0.01, 20 epochs) learns', async () => {
    const { loss, accuracy } = await run(2000, 2000, 20, new Adam({ learningRate: 0.01 }));
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(0.6 * loss[0]);
    // Reached 0.75 with seed 7 (loss 2.43 → 0.59).
    expect(accuracy).toBeGreaterThanOrEqual(0.6);
  }, 120_000);

  it('stochastic gradient descent (batchSize 1, SGD 0.01, 1 epoch on 1000) learns', async () => {
    const { loss, accuracy } = await run(1000, 1, 1, new SGD({ learningRate: 0.01 }));
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[1]).toBeLessThan(0.7 * loss[0]);
    // Reached 0.55 with seed 7: one noisy pass at a small learning rate; 0.4 is still 4× chance.
    expect(accuracy).toBeGreaterThanOrEqual(0.4);
  }, 120_000);

  it('mini-batch gradient descent (batchSize 32, Adam, 2 epochs on 2000) learns', async () => {
    const { loss, accuracy } = await run(2000, 32, 2, new Adam());
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[2]).toBeLessThan(loss[1]);
    expect(loss[1]).toBeLessThan(loss[0]);
    // Reached 0.79 with seed 7 (loss 2.43 → 1.04 → 0.60).
    expect(accuracy).toBeGreaterThanOrEqual(0.6);
  }, 120_000);
});
