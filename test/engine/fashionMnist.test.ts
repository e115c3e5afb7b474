/**
 * End to end on the Fashion-MNIST subset shipped in the repo (10,000 training, 2,000 test images):
 * the tutorial's MLP (784-256-128-10, Adam, batch 32, 5 epochs) reaches at least 84% test accuracy,
 * as the issue requires, from uint8 pixels scaled by a Rescaling layer and sparse uint8 labels.
 */
import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/data/index.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Rescaling } from '../../src/layers/rescaling.js';
import { setSeed } from '../../src/random.js';

describe('Fashion-MNIST end to end', () => {
  it('an MLP reaches >= 84% test accuracy in 5 epochs', async () => {
    const { train, test } = datasets.fashionMnist();
    setSeed(42);
    const model = new Sequential([
      new Rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
      new Flatten(),
      new Dense({ units: 256, activation: 'relu' }),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(train.x, train.y, { epochs: 5, batchSize: 32, validationSplit: 0.1, verbose: 0 });
    expect(h.history.loss[4]).toBeLessThan(h.history.loss[0]);
    const [loss, accuracy] = (await model.evaluate(test.x, test.y, { verbose: 0 })) as number[];
    expect(Number.isFinite(loss)).toBe(true);
    expect(accuracy).toBeGreaterThanOrEqual(0.84);
    const probs = await model.predict(test.x.slice(0, 100), { verbose: 0 });
    const predicted = probs.argMax(-1).data;
    let agree = 0;
    for (let i = 0; i < 100; i++) agree += predicted[i] === test.y.data[i] ? 1 : 0;
    expect(agree).toBeGreaterThan(70);
  });
});
