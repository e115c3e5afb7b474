/**
 * Callbacks through model.fit.
 *
 * 1. Keras golden fits (scripts/fixtures/make_callbacks_golden.py, "fit"): a 1-weight linear
 *    model trained towards y = 2x and validated against y = x, so the validation loss improves
 *    while the weight rises to 1 and then worsens; with EarlyStopping (restoring), ReduceLROnPlateau
 *    on SGD with momentum (whose velocity folds in the learning rate), LearningRateScheduler, and
 *    EarlyStopping + ReduceLROnPlateau together. kerno must run the same epochs, log the same
 *    learning rates (exactly), reach the same weights and print the same messages.
 * 2. The tutorial's three callbacks on the shipped Fashion-MNIST subset (model.save replaced by a
 *    recorder until the ONNX writer lands): training stops, the best epoch's weights are restored
 *    and are the ones the last save received, and they evaluate to the best val_loss.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EarlyStopping } from '../../src/callbacks/earlyStopping.js';
import { LambdaCallback } from '../../src/callbacks/lambdaCallback.js';
import { LearningRateScheduler } from '../../src/callbacks/learningRateScheduler.js';
import { ModelCheckpoint } from '../../src/callbacks/modelCheckpoint.js';
import { ReduceLROnPlateau } from '../../src/callbacks/reduceLROnPlateau.js';
import type { Callback } from '../../src/callbacks/callback.js';
import { datasets } from '../../src/data/index.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Rescaling } from '../../src/layers/rescaling.js';
import { Adam } from '../../src/optimizers/adam.js';
import { SGD } from '../../src/optimizers/sgd.js';
import { setSeed } from '../../src/random.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { capture, golden } from './golden.js';

interface FitCase {
  name: string; lr: number; momentum: number; epochs: number; epochsRun: number;
  history: Record<string, number[]>; epochWeights: number[]; finalWeight: number; stdout: string;
}

/** The same callbacks as the script's FIT table, by name. */
const CALLBACKS: Record<string, () => Callback[]> = {
  early_stopping_restore: () => [new EarlyStopping({ patience: 2, restoreBestWeights: true, verbose: 1 })],
  reduce_lr_momentum: () => [new ReduceLROnPlateau({ patience: 1, factor: 0.5, cooldown: 1, minLr: 1e-3, verbose: 1 })],
  lr_scheduler_momentum: () => [new LearningRateScheduler((e, lr) => (e > 0 ? lr * 0.5 : lr))],
  early_stopping_and_reduce_lr: () => [new EarlyStopping({ patience: 3, restoreBestWeights: true, verbose: 1 }),
    new ReduceLROnPlateau({ patience: 1, factor: 0.1, verbose: 1 })],
};

const weight = (m: Sequential) => (m.getWeights()[0].data as Float32Array)[0];

/** Relative closeness for float32 training arithmetic (kerno's kernels vs TensorFlow's). */
function expectClose(got: number[], want: number[], rtol = 2e-5): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]), `index ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(want[i]))));
}

describe('callbacks through fit (Keras golden runs)', () => {
  for (const c of golden.fit as FitCase[]) {
    it(c.name, async () => {
      const model = new Sequential([new Dense({ units: 1, useBias: false, kernelInitializer: 'zeros', inputShape: [1] })]);
      const optimizer = new SGD({ learningRate: c.lr, momentum: c.momentum });
      model.compile({ optimizer, loss: 'meanSquaredError' });
      const x = tensor(new Float32Array([1, 2, 3, 4]), [4, 1]);
      const y = tensor(new Float32Array([2, 4, 6, 8]), [4, 1]);
      const weights: number[] = [];
      const rec = new LambdaCallback({ onEpochEnd: () => void weights.push(weight(model)) });
      const cap = capture();
      let history;
      try {
        history = await model.fit(x, y, {
          batchSize: 4, epochs: c.epochs, shuffle: false, validationData: [x, x], callbacks: [rec, ...CALLBACKS[c.name]()], verbose: 0,
        });
      } finally {
        cap.restore();
      }
      expect(history.epoch.length).toBe(c.epochsRun);
      expect(Object.keys(history.history).sort()).toEqual(Object.keys(c.history).sort());
      expectClose(history.history.loss, c.history.loss);
      expectClose(history.history.val_loss, c.history.val_loss);
      // The logged rates are the float32 values Keras's variable holds: equal, not close.
      if (c.history.learning_rate) expect(history.history.learning_rate).toEqual(c.history.learning_rate);
      expectClose(weights, c.epochWeights);
      expectClose([weight(model)], [c.finalWeight]);
      expect(cap.stdout()).toBe(c.stdout);
    });
  }

  it('EarlyStopping restores exactly the best epoch weights (bitwise), at the end of training', async () => {
    const model = new Sequential([new Dense({ units: 1, useBias: false, kernelInitializer: 'zeros', inputShape: [1] })]);
    model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    const x = tensor(new Float32Array([1, 2, 3, 4]), [4, 1]);
    const y = tensor(new Float32Array([2, 4, 6, 8]), [4, 1]);
    const snapshots: Float32Array[] = [];
    const rec = new LambdaCallback({ onEpochEnd: () => void snapshots.push((model.getWeights()[0].data as Float32Array).slice()) });
    const es = new EarlyStopping({ patience: 2, restoreBestWeights: true });
    const h = await model.fit(x, y, { batchSize: 4, epochs: 30, shuffle: false, validationData: [x, x], callbacks: [rec, es], verbose: 0 });
    const val = h.history.val_loss;
    const best = val.indexOf(Math.min(...val));
    // Independent of the callback's code: the first minimum, then `patience` worse epochs.
    expect(h.epoch.length).toBe(best + 2 + 1);
    expect(es.stoppedEpoch).toBe(best + 2);
    expect(model.getWeights()[0].data).toEqual(snapshots[best]);
    expect(model.getWeights()[0].data).not.toEqual(snapshots[snapshots.length - 1]);
  });
});

describe("the tutorial's three callbacks on Fashion-MNIST", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kerno-fit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops early, restores the best weights, and the best checkpoint holds them', async () => {
    const { train } = datasets.fashionMnist();
    // A small slice overfits within a few epochs, so the validation loss turns up quickly.
    const n = 1200, nVal = 400;
    const xAll = train.x.slice(0, n + nVal), yAll = train.y.slice(0, n + nVal);
    const [x, y, xv, yv] = [xAll.slice(0, n), yAll.slice(0, n), xAll.slice(n), yAll.slice(n)] as Tensor[];
    setSeed(7);
    const model = new Sequential([
      new Rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
      new Flatten(),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: new Adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    // Until model.save (ONNX) lands: a recorder keeping what each save would write.
    const saved: { path: string; weights: Float32Array[] }[] = [];
    Object.assign(model, {
      save: async (path: string) => void saved.push({ path, weights: model.getWeights().map((w) => (w.data as Float32Array).slice()) }),
    });
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
    const ckpt = new ModelCheckpoint({ filepath: join(dir, 'best_model.onnx'), monitor: 'val_loss', saveBestOnly: true });
    const rlr = new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.1, patience: 3 });
    const h = await model.fit(x, y, { epochs: 40, batchSize: 32, validationData: [xv, yv], callbacks: [es, ckpt, rlr], verbose: 0 });

    const val = h.history.val_loss;
    const best = val.indexOf(Math.min(...val));
    expect(h.epoch.length).toBeLessThan(40);
    expect(es.stoppedEpoch).toBe(h.epoch[h.epoch.length - 1]);
    expect(es.bestEpoch).toBe(best);
    expect(h.history.learning_rate[0]).toBe(Math.fround(0.003));
    // The last checkpoint was written at the best epoch, with the weights that are now restored.
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.every((s) => s.path === join(dir, 'best_model.onnx'))).toBe(true);
    expect(ckpt.best).toBe(val[best]);
    const restored = model.getWeights().map((w) => w.data as Float32Array);
    expect(restored).toEqual(saved[saved.length - 1].weights);
    const { loss } = (await model.evaluate(xv, yv, { verbose: 0, returnDict: true })) as Record<string, number>;
    expect(loss).toBeCloseTo(val[best], 6);
  });
});
