/**
 * ReduceLROnPlateau against the real Keras 3.15.1: scripted monitored values replayed through
 * Keras's callback and kerno's, comparing the learning rate logged and left after every epoch
 * (float32 values, as Keras's variable holds them), wait, cooldown counter, best and the messages.
 * Patience 0-3, cooldown 0-3 (including improvements inside the cooldown), minLr, absolute minDelta,
 * 'auto' on a metric and mode 'max' are covered.
 */
import { describe, expect, it } from 'vitest';
import { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from '../../src/callbacks/reduceLROnPlateau.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { SGD } from '../../src/optimizers/sgd.js';
import { ExponentialDecay } from '../../src/optimizers/schedules.js';
import { capture, enc, epochLogs, golden, tinyModel } from './golden.js';

interface ReduceCase {
  name: string; config: ReduceLROnPlateauArgs; sequence: (number | string | null)[]; initialLr: number;
  perEpoch: { loggedLr: number; lr: number; wait: number; cooldownCounter: number; best: number | string | null }[];
  stdout: string; warnings: string[];
}

describe('ReduceLROnPlateau (Keras golden replays)', () => {
  const cases = golden.reduceLROnPlateau as ReduceCase[];
  it('has the fixture', () => expect(cases.length).toBeGreaterThan(12));
  for (const c of cases) {
    it(c.name, () => {
      const model = tinyModel(c.initialLr);
      const cb = new ReduceLROnPlateau(c.config);
      cb.setModel(model);
      const monitor = c.config.monitor ?? 'val_loss';
      const perEpoch: ReduceCase['perEpoch'] = [];
      const cap = capture();
      try {
        cb.onTrainBegin({});
        c.sequence.forEach((v, epoch) => {
          const logs = epochLogs(monitor, v);
          cb.onEpochEnd(epoch, logs);
          perEpoch.push({
            loggedLr: logs.learning_rate, lr: Math.fround(model.optimizer!.learningRate as number),
            wait: cb.wait, cooldownCounter: cb.cooldownCounter, best: enc(cb.best),
          });
        });
      } finally {
        cap.restore();
      }
      expect(perEpoch).toEqual(c.perEpoch);
      expect(cap.stdout()).toBe(c.stdout);
      expect(cap.warnings()).toEqual(c.warnings);
    });
  }
});

describe('ReduceLROnPlateau', () => {
  it('rejects factor >= 1 (as Keras) and <= 0, and other bad options', () => {
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/ReduceLROnPlateau: option "factor" expected a number in \(0, 1\).*received 1\./);
    expect(() => new ReduceLROnPlateau({ factor: 0 })).toThrow(/option "factor"/);
    expect(() => new ReduceLROnPlateau({ minLr: -1 })).toThrow(/option "minLr" expected a finite number >= 0/);
    expect(() => new ReduceLROnPlateau({ cooldown: 0.5 })).toThrow(/option "cooldown"/);
    expect(() => new ReduceLROnPlateau({ min_lr: 0.1 } as ReduceLROnPlateauArgs)).toThrow(/option "min_lr" expected one of the options/);
  });

  it('refuses to change an optimizer whose learning rate is a schedule, as Keras', () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    const schedule = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    model.compile({ optimizer: new SGD({ learningRate: schedule }), loss: 'meanSquaredError' });
    const cb = new ReduceLROnPlateau({ patience: 0 });
    cb.setModel(model);
    cb.onTrainBegin({});
    const logs = { val_loss: 1 };
    cb.onEpochEnd(0, logs);
    // The scheduled rate is still logged.
    expect(logs).toHaveProperty('learning_rate', Math.fround(0.1));
    expect(() => cb.onEpochEnd(1, { val_loss: 2 })).toThrow(/ReduceLROnPlateau: the optimizer's learningRate expected a number it can change, received a ExponentialDecay/);
    expect(model.optimizer!.learningRate).toBe(schedule);
  });

  it('resets wait, cooldown and best in onTrainBegin', () => {
    const model = tinyModel(0.1);
    const cb = new ReduceLROnPlateau({ patience: 1, cooldown: 2 });
    cb.setModel(model);
    cb.onTrainBegin({});
    for (const [e, v] of [0.5, 0.6, 0.7].entries()) cb.onEpochEnd(e, { val_loss: v });
    expect([cb.wait, cb.cooldownCounter, cb.best]).toEqual([0, 1, 0.5]);
    cb.onTrainBegin({});
    expect([cb.wait, cb.cooldownCounter, cb.best]).toEqual([0, 0, undefined]);
  });
});
