// Replays the trajectories recorded from the real Keras (test/fixtures/keras_optimizers_golden.json,
// scripts/fixtures/make_optimizer_golden.py) through kerno's optimizer classes: the two Keras
// variables are two segments of one arena, so one fused update, clipnorm per segment and
// global_clipnorm over the arena are all exercised as the engine uses them.
//
// Tolerance atol 1e-7 + rtol 1e-6 (the native golden test's): Keras and kerno run the same
// float32 formulas in a different order, a few ulps after five steps.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adagrad, Adam, Adamax, AdamW, type ArenaSegment, Nadam, type Optimizer, RMSprop, SGD,
} from '../../src/optimizers/index.js';
import { ctxFor, expectClose, hostBackends } from './helpers.js';

interface GoldenCase {
  name: string;
  optimizer: 'SGD' | 'Adagrad' | 'RMSprop' | 'Adam' | 'AdamW' | 'Nadam' | 'Adamax';
  config: Record<string, number | boolean | null>;
  learning_rate_per_step: number[];
  initial: number[][];
  grads: number[][][];
  params: number[][][];
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_optimizers_golden.json', import.meta.url), 'utf8')) as {
  keras_version: string;
  steps: number;
  cases: GoldenCase[];
};

const opt = (c: GoldenCase, key: string): number | undefined => {
  const v = c.config[key];
  return typeof v === 'number' ? v : undefined;
};

/** The kerno optimizer for a Keras config (snake_case → camelCase options). */
function make(c: GoldenCase): Optimizer {
  const common = {
    learningRate: opt(c, 'learning_rate'), weightDecay: opt(c, 'weight_decay'), clipnorm: opt(c, 'clipnorm'),
    clipvalue: opt(c, 'clipvalue'), globalClipnorm: opt(c, 'global_clipnorm'),
  };
  switch (c.optimizer) {
    case 'SGD': return new SGD({ ...common, momentum: opt(c, 'momentum'), nesterov: c.config.nesterov === true });
    case 'Adagrad': return new Adagrad({ ...common, initialAccumulatorValue: opt(c, 'initial_accumulator_value'), epsilon: opt(c, 'epsilon') });
    case 'RMSprop': return new RMSprop({ ...common, rho: opt(c, 'rho'), momentum: opt(c, 'momentum'), epsilon: opt(c, 'epsilon'), centered: c.config.centered === true });
    case 'Adam': return new Adam({ ...common, beta1: opt(c, 'beta_1'), beta2: opt(c, 'beta_2'), epsilon: opt(c, 'epsilon'), amsgrad: c.config.amsgrad === true });
    case 'AdamW': return new AdamW({ ...common, beta1: opt(c, 'beta_1'), beta2: opt(c, 'beta_2'), epsilon: opt(c, 'epsilon'), amsgrad: c.config.amsgrad === true });
    case 'Nadam': return new Nadam({ ...common, beta1: opt(c, 'beta_1'), beta2: opt(c, 'beta_2'), epsilon: opt(c, 'epsilon') });
    case 'Adamax': return new Adamax({ ...common, beta1: opt(c, 'beta_1'), beta2: opt(c, 'beta_2'), epsilon: opt(c, 'epsilon') });
  }
}

describe(`optimizer classes against Keras ${golden.keras_version}`, () => {
  it('covers every optimizer class and clipping mode', () => {
    expect(new Set(golden.cases.map((c) => c.optimizer))).toEqual(new Set(['SGD', 'Adagrad', 'RMSprop', 'Adam', 'AdamW', 'Nadam', 'Adamax']));
    for (const k of ['clipnorm', 'clipvalue', 'global_clipnorm'])
      expect(golden.cases.some((c) => typeof c.config[k] === 'number'), k).toBe(true);
  });

  describe.each(hostBackends)('on $name', ({ index }) => {
    it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const o = make(c);
      const sizes = c.initial.map((v) => v.length);
      const total = sizes.reduce((a, b) => a + b, 0);
      const segments: ArenaSegment[] = sizes.map((size, i) => ({ name: `var${i}`, offset: i === 0 ? 0 : sizes[0], size }));
      o.build(segments, total);
      const params = Float32Array.from(c.initial.flat());
      // The same gradient arena every step, as the engine passes it (clipnorm caches its views).
      const grads = new Float32Array(total);
      for (let t = 0; t < golden.steps; t++) {
        if (o.learningRate !== c.learning_rate_per_step[t]) o.learningRate = c.learning_rate_per_step[t];
        grads.set(c.grads[t].flat());
        o.apply(ctxFor(index), params, grads);
        expect(o.iterations).toBe(t + 1);
        expectClose(params, c.params[t].flat(), 1e-7, 1e-6, `${c.name} step ${t + 1}`);
      }
    });
  });
});
