/**
 * The tutorial's three callbacks on the shipped Fashion-MNIST subset with real ONNX checkpoints:
 * EarlyStopping (patience 3, restoring the best weights), ModelCheckpoint (saveBestOnly) and
 * ReduceLROnPlateau (factor 0.1, patience 3). Training must stop before the epoch limit, restore
 * the best epoch's weights, and the best file on disk must reload (loadModel) to the same
 * validation loss as the restored model.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EarlyStopping } from '../../src/callbacks/earlyStopping.js';
import { ModelCheckpoint } from '../../src/callbacks/modelCheckpoint.js';
import { ReduceLROnPlateau } from '../../src/callbacks/reduceLROnPlateau.js';
import { datasets } from '../../src/data/index.js';
import { Sequential } from '../../src/engine/sequential.js';
import { loadModel } from '../../src/io/onnx/index.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Rescaling } from '../../src/layers/rescaling.js';
import { Adam } from '../../src/optimizers/adam.js';
import { setSeed } from '../../src/random.js';
import type { Tensor } from '../../src/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-ckpt-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpointing end to end on Fashion-MNIST', () => {
  it('stops early, restores, saves the best model, and the file reloads to the same val_loss', async () => {
    const { train } = datasets.fashionMnist();
    // 3000 training images: with a high learning rate the validation loss turns up within a few epochs.
    const n = 3000, nVal = 600, epochs = 40;
    const xAll = train.x.slice(0, n + nVal), yAll = train.y.slice(0, n + nVal);
    const [x, y, xv, yv] = [xAll.slice(0, n), yAll.slice(0, n), xAll.slice(n), yAll.slice(n)] as Tensor[];
    setSeed(11);
    const model = new Sequential([
      new Rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
      new Flatten(),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: new Adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const path = join(dir, 'best.onnx');
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
    const ckpt = new ModelCheckpoint({ filepath: path, monitor: 'val_loss', saveBestOnly: true });
    const rlr = new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.1, patience: 3 });
    const h = await model.fit(x, y, { epochs, batchSize: 32, validationData: [xv, yv], callbacks: [es, ckpt, rlr], verbose: 0 });

    const val = h.history.val_loss;
    const best = val.indexOf(Math.min(...val));
    // Stopped early, by EarlyStopping, `patience` epochs after the best one.
    expect(h.epoch.length).toBeLessThan(epochs);
    expect(es.stoppedEpoch).toBe(h.epoch[h.epoch.length - 1]);
    expect(es.stoppedEpoch).toBe(best + 3);
    expect(es.bestEpoch).toBe(best);
    expect(ckpt.best).toBe(val[best]);
    // Only the best file, no temporary left over.
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(dir)).toEqual(['best.onnx']);

    const evalLoss = async (m: Sequential) => ((await m.evaluate(xv, yv, { verbose: 0, returnDict: true })) as Record<string, number>).loss;
    const restoredLoss = await evalLoss(model);
    expect(restoredLoss).toBeCloseTo(val[best], 6);
    const reloaded = await loadModel(path);
    expect(reloaded.getWeights().map((w) => w.data)).toEqual(model.getWeights().map((w) => w.data));
    const reloadedLoss = await evalLoss(reloaded);
    expect(Math.abs(reloadedLoss - restoredLoss)).toBeLessThanOrEqual(1e-6);
  }, 120_000);
});
