/**
 * EarlyStopping against the real Keras 3.15.1: the golden script drives Keras's EarlyStopping with
 * scripted monitored values (each epoch's weights filled with the epoch number) and records wait,
 * best, the stopping epoch, which epoch's weights were restored and the messages; the same
 * sequences are replayed here. Patience 0/1/2/3, minDelta, baseline, startFromEpoch, initial epoch,
 * 'auto' on a metric, missing values, NaN and float32 ties are all covered there.
 */
import { describe, expect, it } from 'vitest';
import { EarlyStopping, type EarlyStoppingArgs } from '../../src/callbacks/earlyStopping.js';
import { ValueError } from '../../src/errors.js';
import { capture, enc, epochLogs, golden, marker, setMarker, tinyModel } from './golden.js';

interface EarlyCase {
  name: string; config: EarlyStoppingArgs; sequence: (number | string | null)[]; options: { externalStop?: number; initialEpoch?: number };
  epochsRun: number; perEpoch: { wait: number; best: number | string | null; stop: boolean }[];
  stoppedEpoch: number; bestEpoch: number; restoredEpoch: number; stdout: string; warnings: string[];
}

function replay(c: EarlyCase, cb = new EarlyStopping(c.config), model = tinyModel()) {
  cb.setModel(model);
  model.stopTraining = false;
  const monitor = c.config.monitor ?? 'val_loss';
  const start = c.options.initialEpoch ?? 0;
  const perEpoch: EarlyCase['perEpoch'] = [];
  const cap = capture();
  try {
    cb.onTrainBegin({});
    for (let i = 0; i < c.sequence.length; i++) {
      const epoch = start + i;
      setMarker(model, epoch);
      cb.onEpochBegin(epoch, {});
      cb.onEpochEnd(epoch, epochLogs(monitor, c.sequence[i]));
      perEpoch.push({ wait: cb.wait, best: enc(cb.best), stop: model.stopTraining });
      if (c.options.externalStop === epoch) model.stopTraining = true;
      if (model.stopTraining) break;
    }
    cb.onTrainEnd({});
  } finally {
    cap.restore();
  }
  return { perEpoch, stdout: cap.stdout(), warnings: cap.warnings(), model, cb };
}

describe('EarlyStopping (Keras golden replays)', () => {
  const cases = golden.earlyStopping as EarlyCase[];
  it('has the fixture', () => expect(cases.length).toBeGreaterThan(20));
  for (const c of cases) {
    it(c.name, () => {
      const r = replay(c);
      expect(r.perEpoch).toEqual(c.perEpoch);
      expect(r.perEpoch.length).toBe(c.epochsRun);
      expect(r.cb.stoppedEpoch).toBe(c.stoppedEpoch);
      expect(r.cb.bestEpoch).toBe(c.bestEpoch);
      expect(marker(r.model)).toBe(c.restoredEpoch);
      expect(r.stdout).toBe(c.stdout);
      expect(r.warnings).toEqual(c.warnings);
    });
  }
});

describe('EarlyStopping', () => {
  const byName = (n: string) => (golden.earlyStopping as EarlyCase[]).find((c) => c.name === n)!;

  it('stops after patience + 1 epochs when nothing improves after epoch 0 (patience 3 runs 4 epochs)', () => {
    const r = replay(byName('patience3_flat'));
    expect(r.perEpoch.length).toBe(4);
    expect(marker(r.model)).toBe(0);
  });

  it('resets its state in onTrainBegin, so one instance serves several fits', () => {
    const c = byName('patience3_restore');
    const cb = new EarlyStopping(c.config);
    replay(byName('all_epochs_restore'), cb);
    const again = replay(c, cb);
    expect(again.perEpoch).toEqual(c.perEpoch);
    expect(marker(again.model)).toBe(c.restoredEpoch);
  });

  it("fails at train begin in mode 'auto' for a key that is neither the loss nor a compiled metric", () => {
    const cb = new EarlyStopping({ monitor: 'val_f1' });
    cb.setModel(tinyModel());
    expect(() => cb.onTrainBegin({})).toThrow(ValueError);
    expect(() => cb.onTrainBegin({})).toThrow(/EarlyStopping: option "mode" expected 'min' or 'max' for monitor "val_f1", received "auto".*loss, accuracy/);
    const max = new EarlyStopping({ monitor: 'val_accuracy' });
    max.setModel(tinyModel());
    max.onTrainBegin({});
    expect(max.direction).toBe('max');
  });

  it('validates its options with the argument name', () => {
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/EarlyStopping: option "patience" expected a non-negative integer, received -1/);
    expect(() => new EarlyStopping({ patience: 1.5 })).toThrow(/option "patience"/);
    expect(() => new EarlyStopping({ mode: 'up' as 'max' })).toThrow(/option "mode" expected 'auto', 'min' or 'max', received "up"/);
    expect(() => new EarlyStopping({ baseline: NaN })).toThrow(/option "baseline" expected a finite number/);
    expect(() => new EarlyStopping({ monitor: '' })).toThrow(/option "monitor" expected a non-empty string/);
    expect(() => new EarlyStopping({ restoreBestWeight: true } as EarlyStoppingArgs)).toThrow(/option "restoreBestWeight" expected one of the options/);
    expect(() => new EarlyStopping(null as unknown as EarlyStoppingArgs)).toThrow(/EarlyStopping: argument "args" expected an options object/);
    expect(new EarlyStopping({ minDelta: -0.5 }).minDelta).toBe(0.5);
  });

  it('rejects a monitored log value that is not a number', () => {
    const cb = new EarlyStopping();
    cb.setModel(tinyModel());
    cb.onTrainBegin({});
    expect(() => cb.onEpochEnd(0, { val_loss: 'x' as unknown as number })).toThrow(/EarlyStopping: logs\["val_loss"\] expected a number, received "x"/);
  });
});
