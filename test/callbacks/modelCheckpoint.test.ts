/**
 * ModelCheckpoint against the real Keras 3.15.1: the paths Keras formats (1-based epoch and batch,
 * format specs, escaped braces, missing keys), which epochs and batches save with saveBestOnly,
 * initialValueThreshold, saveWeightsOnly, mode and integer saveFreq, and the messages — with
 * model.save / model.saveWeights replaced by recorders (in Keras too), so these tests do not depend
 * on the ONNX writer. Files are written by model.save; an end-to-end test with real files belongs
 * with it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logs } from '../../src/callbacks/callback.js';
import { ModelCheckpoint, type ModelCheckpointArgs } from '../../src/callbacks/modelCheckpoint.js';
import type { Sequential } from '../../src/engine/sequential.js';
import { KernoError, ValueError } from '../../src/errors.js';
import { capture, enc, epochLogs, golden, tinyModel } from './golden.js';

interface Save { kind: 'save' | 'saveWeights'; path: string }

/** Replaces model.save / model.saveWeights with recorders (own properties, whatever Model defines). */
export function spySaves(model: Sequential, onSave?: (s: Save) => void | Promise<void>): Save[] {
  const saves: Save[] = [];
  const record = (kind: Save['kind']) => async (path: string) => {
    saves.push({ kind, path });
    await onSave?.({ kind, path });
  };
  Object.assign(model, { save: record('save'), saveWeights: record('saveWeights') });
  return saves;
}

const dir = mkdtempSync(join(tmpdir(), 'kerno-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let run = 0;
const freshDir = () => join(dir, `run${run++}`);

describe('ModelCheckpoint paths (Keras golden)', () => {
  for (const c of golden.checkpointPaths as { template: string; epoch: number; batch: number | null; logs: Logs; path?: string; missingKey?: string; error?: string }[]) {
    it(`${c.template} (epoch ${c.epoch}, batch ${c.batch})`, () => {
      const cb = new ModelCheckpoint({ filepath: c.template });
      const format = () => cb.filePath(c.epoch, c.batch ?? undefined, c.logs);
      if (c.path !== undefined) expect(format()).toBe(c.path);
      else if (c.missingKey !== undefined) expect(format).toThrow(new RegExp(`ModelCheckpoint: option "filepath" expected .*"${c.missingKey}" is missing`));
      else expect(format).toThrow(ValueError);
    });
  }
});

interface BestCase {
  name: string; config: ModelCheckpointArgs; filepath: string; sequence: (number | string | null)[];
  saves: Save[]; best: (number | string | null)[]; stdout: string; warnings: string[];
}

describe('ModelCheckpoint saves (Keras golden replays)', () => {
  for (const c of golden.checkpointBest as BestCase[]) {
    it(c.name, async () => {
      const root = freshDir();
      const model = tinyModel();
      const saves = spySaves(model);
      const cb = new ModelCheckpoint({ ...c.config, filepath: join(root, c.filepath) });
      cb.setModel(model);
      const monitor = c.config.monitor ?? 'val_loss';
      const best: BestCase['best'] = [];
      const cap = capture();
      try {
        cb.onTrainBegin({});
        for (const [epoch, v] of c.sequence.entries()) {
          cb.onEpochBegin(epoch, {});
          await cb.onEpochEnd(epoch, epochLogs(monitor, v));
          best.push(enc(cb.best));
        }
      } finally {
        cap.restore();
      }
      const strip = (s: string) => s.replaceAll(root + sep, '');
      expect(saves.map((s) => ({ kind: s.kind, path: strip(s.path) }))).toEqual(c.saves);
      expect(best).toEqual(c.best);
      expect(strip(cap.stdout())).toBe(c.stdout);
      expect(cap.warnings()).toEqual(c.warnings);
      // Parent folders exist before model.save is called.
      if (saves.length) expect(existsSync(join(root, 'ck'))).toBe(true);
    });
  }

  for (const c of golden.checkpointBatches as (Omit<BestCase, 'sequence' | 'best'> & { steps: number; epochs: number })[]) {
    it(`batches: ${c.name}`, async () => {
      const root = freshDir();
      const model = tinyModel();
      const saves = spySaves(model);
      const cb = new ModelCheckpoint({ ...c.config, filepath: join(root, c.filepath) });
      cb.setModel(model);
      // Mirrors batch_loss in the script.
      const loss = (epoch: number, b: number) => [0.9, 0.7, 0.75, 0.6, 0.5][b % 5] / (epoch + 1);
      const cap = capture();
      try {
        cb.onTrainBegin({});
        for (let epoch = 0; epoch < c.epochs; epoch++) {
          cb.onEpochBegin(epoch, {});
          for (let b = 0; b < c.steps; b++) await cb.onTrainBatchEnd(b, { loss: loss(epoch, b) });
          await cb.onEpochEnd(epoch, { loss: loss(epoch, c.steps - 1), val_loss: 0.5 });
        }
      } finally {
        cap.restore();
      }
      const strip = (s: string) => s.replaceAll(root + sep, '');
      expect(saves.map((s) => ({ kind: s.kind, path: strip(s.path) }))).toEqual(c.saves);
      expect(strip(cap.stdout())).toBe(c.stdout);
      expect(cap.warnings()).toEqual(c.warnings);
    });
  }
});

describe('ModelCheckpoint', () => {
  async function drive(cb: ModelCheckpoint, model: Sequential, values: number[]): Promise<void> {
    cb.setModel(model);
    cb.onTrainBegin({});
    for (const [epoch, v] of values.entries()) {
      cb.onEpochBegin(epoch, {});
      await cb.onEpochEnd(epoch, { loss: 1, val_loss: v });
    }
  }

  it('never lets a non-finite value replace the best checkpoint (kerno; Keras saves a NaN first epoch)', async () => {
    const model = tinyModel();
    const saves = spySaves(model);
    const cb = new ModelCheckpoint({ filepath: join(freshDir(), 'm-{epoch}.onnx'), saveBestOnly: true });
    await drive(cb, model, [NaN, 0.5, Infinity, -Infinity, NaN, 0.4]);
    expect(saves.map((s) => s.path.split(sep).pop())).toEqual(['m-2.onnx', 'm-6.onnx']);
    expect(cb.best).toBe(0.4);
  });

  it('keeps best across fits, as Keras, so a worse second fit does not overwrite the best file', async () => {
    const model = tinyModel();
    const saves = spySaves(model);
    const cb = new ModelCheckpoint(join(freshDir(), 'best.onnx'), { saveBestOnly: true });
    await drive(cb, model, [0.5, 0.3]);
    await drive(cb, model, [0.6, 0.4, 0.2]);
    expect(saves.length).toBe(3);
    expect(cb.best).toBe(0.2);
  });

  it('awaits the save before the next hook, and reports a failed save', async () => {
    const model = tinyModel();
    const order: string[] = [];
    spySaves(model, async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('saved');
    });
    const cb = new ModelCheckpoint({ filepath: join(freshDir(), 'm.onnx') });
    cb.setModel(model);
    const p = cb.onEpochEnd(0, { loss: 1 });
    expect(p).toBeInstanceOf(Promise);
    await p;
    order.push('after');
    expect(order).toEqual(['saved', 'after']);
    Object.assign(model, { save: async () => { throw new Error('disk full'); } });
    await expect(cb.onEpochEnd(1, { loss: 1 })).rejects.toThrow('disk full');
  });

  it('errors clearly when the model has no save method, and when the path is a folder', async () => {
    const model = tinyModel();
    // A model without save/saveWeights (shadow them with undefined in case Model defines them).
    Object.assign(model, { save: undefined, saveWeights: undefined });
    const cb = new ModelCheckpoint({ filepath: join(freshDir(), 'm.onnx'), saveWeightsOnly: true });
    cb.setModel(model);
    await expect(cb.onEpochEnd(0, {})).rejects.toThrow(/ModelCheckpoint: model.saveWeights\(path\) is not available/);
    const folder = join(freshDir(), 'folder');
    mkdirSync(folder, { recursive: true });
    spySaves(model);
    const cb2 = new ModelCheckpoint({ filepath: folder });
    cb2.setModel(model);
    await expect(cb2.onEpochEnd(0, {})).rejects.toThrow(KernoError);
    await expect(cb2.onEpochEnd(0, {})).rejects.toThrow(/option "filepath" expected a file path, received ".*folder".*existing directory/);
  });

  it('validates the template and options at construction', () => {
    expect(() => new ModelCheckpoint({ filepath: 'w.{epoch:02d' })).toThrow(/ModelCheckpoint: option "filepath" expected a Python str.format template/);
    expect(() => new ModelCheckpoint({})).toThrow(/option "filepath" expected a non-empty string, received undefined/);
    expect(() => new ModelCheckpoint({ filepath: 'm.onnx', saveFreq: 0 })).toThrow(/option "saveFreq" expected 'epoch' or a positive integer/);
    expect(() => new ModelCheckpoint({ filepath: 'm.onnx', saveFreq: 'batch' as 'epoch' })).toThrow(/option "saveFreq"/);
    expect(() => new ModelCheckpoint({ filepath: 'm.onnx', save_best_only: true } as ModelCheckpointArgs)).toThrow(/option "save_best_only"/);
    expect(new ModelCheckpoint('m.onnx', { saveBestOnly: true }).saveBestOnly).toBe(true);
  });

  it("in mode 'auto' with saveBestOnly, fails at train begin for an unknown monitor", () => {
    const cb = new ModelCheckpoint({ filepath: 'm.onnx', monitor: 'val_f1', saveBestOnly: true });
    cb.setModel(tinyModel());
    expect(() => cb.onTrainBegin({})).toThrow(/ModelCheckpoint: option "mode" expected 'min' or 'max' for monitor "val_f1"/);
  });

  it('listens to batches only with an integer saveFreq', () => {
    const base = Object.getPrototypeOf(ModelCheckpoint.prototype) as Record<string, unknown>;
    expect((new ModelCheckpoint({ filepath: 'm.onnx' }) as unknown as Record<string, unknown>).onTrainBatchEnd).toBe(base.onTrainBatchEnd);
    expect((new ModelCheckpoint({ filepath: 'm.onnx', saveFreq: 5 }) as unknown as Record<string, unknown>).onTrainBatchEnd).not.toBe(base.onTrainBatchEnd);
  });
});
