/**
 * BackupAndRestore: a fit interrupted by an error at epoch 3 and then re-run with the same
 * callback (the same backupDir) ends with weights bitwise equal to an uninterrupted fit — with
 * Adam (optimizer slots and step), dropout (random stream), epoch shuffles, and a learning rate
 * changed by a callback before the interruption. The backup folder is deleted at the end.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupAndRestore } from '../../src/callbacks/backupAndRestore.js';
import { LambdaCallback } from '../../src/callbacks/lambdaCallback.js';
import { Sequential } from '../../src/engine/sequential.js';
import { ValueError } from '../../src/errors.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Adam } from '../../src/optimizers/adam.js';
import { setSeed } from '../../src/random.js';
import { type Tensor, tensor } from '../../src/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function data(): [Tensor, Tensor] {
  const n = 64, x = new Float32Array(n * 4), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = Math.sin(i * 1.3 + j * 0.7);
    y[i] = x[i * 4] - 0.5 * x[i * 4 + 2] + 0.1;
  }
  return [tensor(x, [n, 4]), tensor(y, [n, 1])];
}

function makeModel(): Sequential {
  setSeed(5);
  const m = new Sequential([new Dense({ units: 8, activation: 'relu', inputShape: [4] }), new Dropout({ rate: 0.25 }), new Dense({ units: 1 })]);
  m.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
  return m;
}

const weights = (m: Sequential) => m.getWeights().map((w) => Array.from(w.data as Float32Array));
// Halves the rate after every epoch (stateless, unlike ReduceLROnPlateau, whose counters Keras
// does not back up either): a rate not restored from the backup would show in the resumed epochs.
const halve = (m: Sequential) => new LambdaCallback({
  onEpochEnd: () => {
    m.optimizer!.learningRate = (m.optimizer!.learningRate as number) * 0.5;
  },
});

describe('BackupAndRestore', () => {
  it('an interrupted then resumed fit ends bitwise equal to an uninterrupted one', async () => {
    const [x, y] = data(), fitArgs = { epochs: 6, batchSize: 16, shuffle: true, verbose: 0 } as const;
    const full = makeModel();
    const hFull = await full.fit(x, y, { ...fitArgs, callbacks: [halve(full)] });

    const backupDir = join(dir, 'backup');
    const backup = new BackupAndRestore(backupDir);
    const model = makeModel();
    const crash = new LambdaCallback({ onEpochBegin: (epoch) => { if (epoch === 3) throw new Error('interrupted'); } });
    await expect(model.fit(x, y, { ...fitArgs, callbacks: [halve(model), backup, crash] })).rejects.toThrow('interrupted');
    // Three epochs completed and backed up; the folder stays for the next fit.
    expect(readdirSync(backupDir).sort()).toEqual(['latest.onnx', 'training_metadata.json']);
    expect(JSON.parse(readFileSync(join(backupDir, 'training_metadata.json'), 'utf8'))).toEqual({ epoch: 3, batch: 0 });

    const resumed = makeModel(); // a fresh process would start from a fresh model
    const h = await resumed.fit(x, y, { ...fitArgs, callbacks: [halve(resumed), backup] });
    expect(h.epoch).toEqual([3, 4, 5]);
    expect(h.history.loss).toEqual(hFull.history.loss.slice(3));
    expect(weights(resumed)).toEqual(weights(full));
    expect(existsSync(backupDir)).toBe(false);
  });

  it('without a backup, fit starts at epoch 0 and the folder is removed at the end', async () => {
    const [x, y] = data(), backupDir = join(dir, 'fresh');
    const h = await makeModel().fit(x, y, { epochs: 2, batchSize: 32, verbose: 0, callbacks: [new BackupAndRestore(backupDir)] });
    expect(h.epoch).toEqual([0, 1]);
    expect(existsSync(backupDir)).toBe(false);
  });

  it('rejects an empty backupDir', () => {
    expect(() => new BackupAndRestore('')).toThrow(ValueError);
    expect(() => new BackupAndRestore('')).toThrow('BackupAndRestore: argument "backupDir" expected a non-empty folder path, received');
  });
});
