/**
 * fit/evaluate/predict on iterables of batches (what image generators yield), and stepsPerEpoch
 * continuing across epochs as Keras's epoch iterator does.
 */
import { describe, expect, it, vi } from 'vitest';
import { tensor, type Tensor } from '../../src/tensor.js';
import { bitwiseEqual, blobs, mlp, snapshot } from './helpers.js';

const { x, y } = blobs(20, 3, 2, 3);

function batches(bs: number): { x: Tensor; y: Tensor }[] {
  const out = [];
  for (let s = 0; s < 20; s += bs) out.push({ x: x.slice(s, s + bs), y: y.slice(s, s + bs) });
  return out;
}

describe('datasets', () => {
  it('an async iterable of {x, y} batches trains exactly like the same arrays unshuffled', async () => {
    const a = mlp(3, 4, 2, 5), b = mlp(3, 4, 2, 5);
    for (const m of [a, b]) m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const ds = { async *[Symbol.asyncIterator]() { yield* batches(6); } };
    const ha = await a.fit(ds, { epochs: 3, verbose: 0, validationData: [x, y] });
    const hb = await b.fit(x, y, { epochs: 3, batchSize: 6, shuffle: false, verbose: 0, validationData: [x, y] });
    expect(bitwiseEqual(snapshot(a), snapshot(b))).toBe(true);
    expect(ha.history).toEqual(hb.history);
    expect(ha.params).toEqual({ verbose: 0, epochs: 3, steps: null });
  });

  it('accepts [x, y] and [x, y, sampleWeight] tuples and a dataset as validation data', async () => {
    const m = mlp(3, 4, 2);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const w = new Float32Array(10).fill(2);
    const train = [[x.slice(0, 10), y.slice(0, 10), w], [x.slice(10), y.slice(10)]] as const;
    const val = { *[Symbol.iterator]() { yield [x, y] as const; } };
    const h = await m.fit(train, { epochs: 2, verbose: 0, validationData: val });
    expect(Object.keys(h.history)).toEqual(['loss', 'val_loss']);
    const ev = await m.evaluate(val, { verbose: 0 });
    expect(ev).toBeCloseTo(h.history.val_loss[1], 6);
  });

  it('stepsPerEpoch continues the iterator across epochs', async () => {
    const m = mlp(3, 4, 2);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    let pulled = 0;
    const ds = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          for (const b of batches(5)) {
            pulled++;
            yield b;
          }
        }
      },
    };
    const steps: number[] = [];
    const h = await m.fit(ds, { epochs: 3, stepsPerEpoch: 3, verbose: 0, callbacks: [{ onEpochEnd: () => void steps.push(pulled) }] });
    expect(steps).toEqual([3, 6, 9]);
    expect(h.params?.steps).toBe(3);
  });

  it('arrays with stepsPerEpoch end an epoch at the end of the data, as Keras', async () => {
    const m = mlp(3, 4, 2);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const counts: number[] = [];
    let n = 0;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await m.fit(x, y, {
      batchSize: 4, epochs: 3, stepsPerEpoch: 3, verbose: 0,
      callbacks: [{ onTrainBatchEnd: () => void n++, onEpochEnd: () => { counts.push(n); n = 0; } }],
    });
    // 5 batches per pass: 3, then the 2 left (warning), then a fresh pass of 3.
    expect(counts).toEqual([3, 2, 3]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('an exhausted one-shot generator stops training with a warning', async () => {
    const m = mlp(3, 4, 2);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    function* once() { yield* batches(10); }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const h = await m.fit(once(), { epochs: 4, verbose: 0 });
    expect(h.epoch).toEqual([0]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('predict accepts a dataset of x batches, {x} or [x, y]', async () => {
    const m = mlp(3, 4, 2);
    const direct = await m.predict(x, { verbose: 0 });
    const ds = [x.slice(0, 7), { x: x.slice(7, 12) }, [x.slice(12), y.slice(12)]];
    const viaDataset = await m.predict({ *[Symbol.iterator]() { yield* ds; } } as never, { verbose: 0 });
    expect(viaDataset.shape).toEqual([20, 2]);
    expect(bitwiseEqual([viaDataset.data as Float32Array], [direct.data as Float32Array])).toBe(true);
  });

  it('validates each batch', async () => {
    const m = mlp(3, 4, 2);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const bad = [{ x: tensor(new Float32Array(8), [2, 4]), y: y.slice(0, 2) }];
    await expect(m.fit(bad, { verbose: 0 })).rejects.toThrow(/fit: argument "dataset" \(batch 0\)\.x \(input of Dense .*expected shape \[N, 3\]/);
    await expect(m.fit((function* () { yield 42; })() as never, { verbose: 0 })).rejects.toThrow(/expected a batch \{x, y, sampleWeight\?\}/);
  });
});
