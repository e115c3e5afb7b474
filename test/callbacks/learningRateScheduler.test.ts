/**
 * LearningRateScheduler against the real Keras 3.15.1: the arguments the schedule receives
 * (0-based epoch, the float32 rate), the rate left after each epoch, `learning_rate` in the logs
 * and the messages; the schedules are the fixture's, by name.
 */
import { describe, expect, it } from 'vitest';
import type { Logs } from '../../src/callbacks/callback.js';
import { LearningRateScheduler, type Schedule } from '../../src/callbacks/learningRateScheduler.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { SGD } from '../../src/optimizers/sgd.js';
import { ExponentialDecay } from '../../src/optimizers/schedules.js';
import { capture, golden, tinyModel } from './golden.js';

/** Mirrors SCHEDULES in scripts/fixtures/make_callbacks_golden.py. */
const SCHEDULES: Record<string, Schedule> = {
  halve_from_2: (epoch, lr) => (epoch < 2 ? lr : lr * 0.5),
  inverse: (epoch) => 0.1 / (epoch + 1),
  step_down: (epoch) => (epoch < 3 ? 0.05 : 0.005),
};

interface SchedulerCase {
  name: string; initialLr: number; epochs: number; verbose: number; calls: [number, number][];
  perEpoch: { loggedLr: number; lr: number }[]; stdout: string;
}

describe('LearningRateScheduler (Keras golden replays)', () => {
  for (const c of golden.learningRateScheduler as SchedulerCase[]) {
    it(c.name, () => {
      const model = tinyModel(c.initialLr);
      const calls: [number, number][] = [];
      const cb = new LearningRateScheduler((epoch, lr) => {
        calls.push([epoch, lr]);
        return SCHEDULES[c.name](epoch, lr);
      }, { verbose: c.verbose });
      cb.setModel(model);
      const perEpoch: SchedulerCase['perEpoch'] = [];
      const cap = capture();
      try {
        cb.onTrainBegin({});
        for (let epoch = 0; epoch < c.epochs; epoch++) {
          cb.onEpochBegin(epoch, {});
          const logs: Logs = { loss: 1 };
          cb.onEpochEnd(epoch, logs);
          perEpoch.push({ loggedLr: logs.learning_rate, lr: Math.fround(model.optimizer!.learningRate as number) });
        }
      } finally {
        cap.restore();
      }
      expect(calls).toEqual(c.calls);
      expect(perEpoch).toEqual(c.perEpoch);
      expect(cap.stdout()).toBe(c.stdout);
    });
  }
});

describe('LearningRateScheduler', () => {
  it('rejects a schedule result that no optimizer takes, naming the epoch', () => {
    const model = tinyModel();
    for (const bad of [NaN, 0, -1, Infinity, '0.1']) {
      const cb = new LearningRateScheduler(() => bad as number);
      cb.setModel(model);
      expect(() => cb.onEpochBegin(2, {})).toThrow(/LearningRateScheduler: schedule\(2, lr\) expected to return a finite number > 0, received/);
    }
    expect(model.optimizer!.learningRate).toBe(0.01);
  });

  it('validates its arguments', () => {
    expect(() => new LearningRateScheduler(0.1 as unknown as Schedule)).toThrow(/LearningRateScheduler: argument "schedule" expected a function/);
    expect(() => new LearningRateScheduler(() => 1, { verbose: -1 })).toThrow(/option "verbose"/);
    const cb = new LearningRateScheduler(() => 1);
    expect(() => cb.onEpochBegin(0, {})).toThrow(/LearningRateScheduler: no model is set/);
  });

  it('refuses an optimizer created with a schedule, as Keras', () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    model.compile({ optimizer: new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }) }), loss: 'mse' });
    const cb = new LearningRateScheduler((_e, lr) => lr);
    cb.setModel(model);
    expect(() => cb.onEpochBegin(0, {})).toThrow(/is not settable/);
  });
});
