/**
 * Callback hooks in Keras's order (keras/src/backend/tensorflow/trainer.py fit/evaluate/predict),
 * async hooks awaited in order, stopTraining after the current batch, plain-object callbacks.
 */
import { describe, expect, it } from 'vitest';
import { Callback, type Logs } from '../../src/callbacks/callback.js';
import { ValueError } from '../../src/errors.js';
import { blobs, mlp } from './helpers.js';

class Recorder extends Callback {
  readonly events: string[] = [];
  readonly logs: Record<string, Logs> = {};
  override onTrainBegin(logs: Logs) { this.events.push('trainBegin'); this.logs.trainBegin = logs; }
  override onTrainEnd(logs: Logs) { this.events.push('trainEnd'); this.logs.trainEnd = logs; }
  override onEpochBegin(e: number) { this.events.push(`epochBegin ${e}`); }
  override onEpochEnd(e: number, logs: Logs) { this.events.push(`epochEnd ${e}`); this.logs[`epochEnd${e}`] = logs; }
  override onTrainBatchBegin(b: number) { this.events.push(`trainBatchBegin ${b}`); }
  override onTrainBatchEnd(b: number, logs: Logs) { this.events.push(`trainBatchEnd ${b}`); this.logs[`trainBatchEnd${b}`] = logs; }
  override onTestBegin() { this.events.push('testBegin'); }
  override onTestEnd(logs: Logs) { this.events.push('testEnd'); this.logs.testEnd = logs; }
  override onTestBatchBegin(b: number) { this.events.push(`testBatchBegin ${b}`); }
  override onTestBatchEnd(b: number) { this.events.push(`testBatchEnd ${b}`); }
  override onPredictBegin() { this.events.push('predictBegin'); }
  override onPredictEnd() { this.events.push('predictEnd'); }
  override onPredictBatchBegin(b: number) { this.events.push(`predictBatchBegin ${b}`); }
  override onPredictBatchEnd(b: number) { this.events.push(`predictBatchEnd ${b}`); }
}

function epoch(e: number, trainBatches: number, testBatches: number): string[] {
  const out = [`epochBegin ${e}`];
  for (let b = 0; b < trainBatches; b++) out.push(`trainBatchBegin ${b}`, `trainBatchEnd ${b}`);
  out.push('testBegin');
  for (let b = 0; b < testBatches; b++) out.push(`testBatchBegin ${b}`, `testBatchEnd ${b}`);
  out.push('testEnd', `epochEnd ${e}`);
  return out;
}

describe('callbacks', () => {
  it('run in Keras order during fit, with sorted logs and val_ keys at epoch end', async () => {
    const { x, y } = blobs(10, 3, 2);
    const { x: xv, y: yv } = blobs(3, 3, 2, 5);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const rec = new Recorder();
    await model.fit(x, y, { batchSize: 4, epochs: 2, validationData: [xv, yv], validationBatchSize: 2, callbacks: [rec], verbose: 0 });
    expect(rec.events).toEqual(['trainBegin', ...epoch(0, 3, 2), ...epoch(1, 3, 2), 'trainEnd']);
    expect(rec.model).toBe(model);
    expect(rec.params).toEqual({ verbose: 0, epochs: 2, steps: 3 });
    expect(Object.keys(rec.logs.epochEnd1)).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(Object.keys(rec.logs.trainBatchEnd2)).toEqual(['accuracy', 'loss']);
    // Batch logs hold the running epoch values: the last one equals the epoch's.
    expect(rec.logs.trainBatchEnd2.loss).toBe(rec.logs.epochEnd1.loss);
    expect(rec.logs.testEnd.loss).toBe(rec.logs.epochEnd1.val_loss);
    expect(rec.logs.trainEnd).toEqual(rec.logs.epochEnd1);
    expect(rec.logs.trainBegin).toEqual({});
  });

  it('run test and predict hooks in evaluate and predict', async () => {
    const { x, y } = blobs(5, 3, 2);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const rec = new Recorder();
    await model.evaluate(x, y, { batchSize: 3, callbacks: [rec], verbose: 0 });
    await model.predict(x, { batchSize: 3, callbacks: [rec], verbose: 0 });
    expect(rec.events).toEqual(['testBegin', 'testBatchBegin 0', 'testBatchEnd 0', 'testBatchBegin 1', 'testBatchEnd 1', 'testEnd',
      'predictBegin', 'predictBatchBegin 0', 'predictBatchEnd 0', 'predictBatchBegin 1', 'predictBatchEnd 1', 'predictEnd']);
  });

  it('awaits async hooks before the next callback and the next batch', async () => {
    const { x, y } = blobs(8, 3, 2);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const order: string[] = [];
    const slow = {
      async onTrainBatchEnd(b: number) {
        await new Promise((r) => setTimeout(r, 5));
        order.push(`slow ${b}`);
      },
    };
    const fast = {
      onTrainBatchBegin: (b: number) => void order.push(`begin ${b}`),
      onTrainBatchEnd: (b: number) => void order.push(`fast ${b}`),
    };
    await model.fit(x, y, { batchSize: 4, epochs: 1, callbacks: [slow, fast], verbose: 0 });
    expect(order).toEqual(['begin 0', 'slow 0', 'fast 0', 'begin 1', 'slow 1', 'fast 1']);
  });

  it('legacy onBatchBegin/onBatchEnd run for training batches', async () => {
    const { x, y } = blobs(6, 3, 2);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const seen: string[] = [];
    class Legacy extends Callback {
      override onBatchBegin(b: number) { seen.push(`b${b}`); }
      override onBatchEnd(b: number) { seen.push(`e${b}`); }
    }
    await model.fit(x, y, { batchSize: 3, epochs: 1, callbacks: [new Legacy()], validationData: [x, y], verbose: 0 });
    expect(seen).toEqual(['b0', 'e0', 'b1', 'e1']);
  });

  it('stopTraining stops after the current batch; the epoch still ends', async () => {
    const { x, y } = blobs(12, 3, 2);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const rec = new Recorder();
    const stopper = { onTrainBatchEnd(b: number) { if (b === 1) model.stopTraining = true; } };
    const h = await model.fit(x, y, { batchSize: 4, epochs: 5, callbacks: [stopper, rec], verbose: 0 });
    expect(rec.events).toEqual(['trainBegin', 'epochBegin 0', 'trainBatchBegin 0', 'trainBatchEnd 0', 'trainBatchBegin 1',
      'trainBatchEnd 1', 'epochEnd 0', 'trainEnd']);
    expect(h.epoch).toEqual([0]);
    // A new fit resets the flag.
    const h2 = await model.fit(x, y, { batchSize: 4, epochs: 2, verbose: 0 });
    expect(h2.epoch).toEqual([0, 1]);
  });

  it('stopTraining set at epoch end stops before the next epoch', async () => {
    const { x, y } = blobs(8, 3, 2);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const h = await model.fit(x, y, { epochs: 10, verbose: 0, callbacks: [{ onEpochEnd: (e: number) => { if (e === 2) model.stopTraining = true; } }] });
    expect(h.epoch).toEqual([0, 1, 2]);
  });

  it('rejects misspelt hooks and non-callbacks', async () => {
    const { x, y } = blobs(4, 3, 2);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await expect(model.fit(x, y, { verbose: 0, callbacks: [{ onEpochEnds: () => undefined } as object] })).rejects.toThrow(
      /fit: option "callbacks"\[0\]\.onEpochEnds expected a hook name \(one of onTrainBegin/);
    await expect(model.fit(x, y, { verbose: 0, callbacks: [42 as unknown as object] })).rejects.toThrow(ValueError);
  });
});

describe('re-entrancy', () => {
  it('refuses a second fit while one runs, but allows predict and evaluate from callbacks', async () => {
    const { x, y } = blobs(16, 3, 2);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    let second: unknown;
    let predicted = 0;
    await model.fit(x, y, {
      epochs: 2, batchSize: 4, verbose: 0,
      callbacks: [{
        onEpochEnd: async () => {
          predicted = (await model.predict(x, { verbose: 0 })).shape[0];
          await model.fit(x, y, { verbose: 0 }).catch((e: unknown) => (second = e));
        },
      }],
    });
    expect(predicted).toBe(16);
    expect((second as Error).message).toMatch(/is already training/);
  });
});
