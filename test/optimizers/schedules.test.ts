// Learning-rate schedules against the real Keras (test/fixtures/keras_schedules_golden.json from
// scripts/fixtures/make_schedule_golden.py). Keras evaluates them in float32 and kerno in double:
// rtol 1e-6 plus an atol of 2 float32 ulps of the schedule's largest value (cosine's 1 + cos(x)
// cancels near the end of the decay, where float32 loses digits relative to the small result). The optimizer trajectories pin that a schedule is read at
// `iterations` before each step and that weight decay uses the scheduled rate.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import {
  AdamW, CosineDecay, ExponentialDecay, InverseTimeDecay, type LearningRateSchedule, type Optimizer,
  PiecewiseConstantDecay, SGD,
} from '../../src/optimizers/index.js';
import { ctxFor, expectClose, hostBackends } from './helpers.js';

type Config = Record<string, unknown>;
const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_schedules_golden.json', import.meta.url), 'utf8')) as {
  keras_version: string;
  schedules: { name: string; schedule: string; config: Config; values: number[] }[];
  optimizers: { name: string; optimizer: string; config: Config; schedule: string; schedule_config: Config;
    initial: number[][]; grads: number[][][]; params: number[][][] }[];
};

/** Keras snake_case config → the kerno schedule. */
function make(cls: string, c: Config): LearningRateSchedule {
  const n = (k: string) => c[k] as number;
  switch (cls) {
    case 'ExponentialDecay':
      return new ExponentialDecay({ initialLearningRate: n('initial_learning_rate'), decaySteps: n('decay_steps'),
        decayRate: n('decay_rate'), staircase: c.staircase as boolean | undefined });
    case 'InverseTimeDecay':
      return new InverseTimeDecay({ initialLearningRate: n('initial_learning_rate'), decaySteps: n('decay_steps'),
        decayRate: n('decay_rate'), staircase: c.staircase as boolean | undefined });
    case 'PiecewiseConstantDecay':
      return new PiecewiseConstantDecay({ boundaries: c.boundaries as number[], values: c.values as number[] });
    case 'CosineDecay':
      return new CosineDecay({ initialLearningRate: n('initial_learning_rate'), decaySteps: n('decay_steps'),
        alpha: c.alpha as number | undefined, warmupTarget: c.warmup_target as number | undefined,
        warmupSteps: c.warmup_steps as number | undefined });
  }
  throw new Error(`unknown schedule ${cls}`);
}

describe(`schedules against Keras ${golden.keras_version}`, () => {
  it.each(golden.schedules.map((s) => [s.name, s] as const))('%s', (_n, s) => {
    const sched = make(s.schedule, s.config);
    expect(sched.className).toBe(s.schedule);
    const got = s.values.map((_, step) => sched.call(step));
    expectClose(got, s.values, 2.4e-7 * Math.max(...s.values), 1e-6, s.name);
  });

  describe.each(hostBackends)('optimizer with a schedule on $name', ({ index }) => {
    it.each(golden.optimizers.map((o) => [o.name, o] as const))('%s', (_n, g) => {
      const learningRate = make(g.schedule, g.schedule_config);
      const o: Optimizer = g.optimizer === 'SGD'
        ? new SGD({ learningRate, momentum: g.config.momentum as number })
        : new AdamW({ learningRate, weightDecay: g.config.weight_decay as number });
      const sizes = g.initial.map((v) => v.length);
      o.build(sizes.map((size, i) => ({ name: `v${i}`, offset: i ? sizes[0] : 0, size })), sizes[0] + sizes[1]);
      const params = Float32Array.from(g.initial.flat());
      const grads = new Float32Array(params.length);
      g.grads.forEach((step, t) => {
        expect(o.currentLearningRate()).toBe(learningRate.call(t));
        grads.set(step.flat());
        o.apply(ctxFor(index), params, grads);
        expectClose(params, g.params[t].flat(), 1e-7, 1e-6, `${g.name} step ${t + 1}`);
      });
    });
  });
});

describe('schedule validation', () => {
  it('rejects decaySteps <= 0, as Keras', () => {
    expect(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 })).toThrow(ValueError);
    expect(() => new CosineDecay({ initialLearningRate: 0.1, decaySteps: -1 })).toThrow(/decaySteps/);
    expect(() => new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: NaN })).toThrow(/decayRate/);
  });

  it('rejects piecewise boundaries and values that do not fit', () => {
    expect(() => new PiecewiseConstantDecay({ boundaries: [1, 2], values: [1, 2] })).toThrow(/3 numbers/);
    expect(() => new PiecewiseConstantDecay({ boundaries: [2, 1], values: [1, 2, 3] })).toThrow(/strictly increasing/);
  });

  it('uses values[0] up to and including the first boundary (Keras: step <= boundary)', () => {
    const s = new PiecewiseConstantDecay({ boundaries: [3], values: [1, 2] });
    expect([2, 3, 4].map((t) => s.call(t))).toEqual([1, 1, 2]);
  });

  it('returns its configuration', () => {
    expect(new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10 }).getConfig())
      .toEqual({ initialLearningRate: 0.1, decaySteps: 10, alpha: 0, warmupTarget: null, warmupSteps: 0 });
  });
});
