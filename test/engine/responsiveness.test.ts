/**
 * fit yields to the event loop: a 50 ms interval timer keeps firing during a long fit. The bound
 * is generous (timing never decides a test on a shared machine): at least a third of the ticks
 * a free event loop would deliver, and no gap above 500 ms.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { setSeed } from '../../src/random.js';
import { blobs } from './helpers.js';

describe('event loop responsiveness', () => {
  it('a 50 ms interval keeps firing during fit', async () => {
    setSeed(3);
    const { x, y } = blobs(2048, 64, 4);
    const model = new Sequential([
      new Dense({ units: 256, activation: 'relu', inputShape: [64] }),
      new Dense({ units: 256, activation: 'relu' }),
      new Dense({ units: 4, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 50);
    const start = performance.now();
    // Train for about 1.2 s whatever the machine's speed.
    await model.fit(x, y, {
      epochs: 1000, batchSize: 32, verbose: 0,
      callbacks: [{ onTrainBatchEnd: () => { if (performance.now() - start > 1200) model.stopTraining = true; } }],
    });
    const elapsed = performance.now() - start;
    clearInterval(timer);
    expect(elapsed).toBeGreaterThan(1000);
    expect(ticks.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 50 / 3));
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
    expect(Math.max(...gaps, ticks[0] - start)).toBeLessThan(500);
  });
});
