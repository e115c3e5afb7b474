// Optimizer trajectories against the real Keras 3 (test/fixtures/keras_optimizers_golden.json,
// produced by scripts/fixtures/make_optimizer_golden.py), through the binding on every backend.
//
// Gradient clipping is the caller's job (kernels.h), so clipnorm / clipvalue / global_clipnorm
// are applied here with the sumSquares / scale / clipByValue kernels, as the engine will.
// Tolerance: Keras and kerno evaluate the same float32 formulas in a different order (FMA,
// precomputed coefficients), a few ulps per step over 5 steps: atol 2e-6 + rtol 1e-5.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type OptimizerName, clipByValue, optimizerUpdate, requiredSlots, scale, sumSquares } from '../../src/native.js';
import { Nadam } from '../../src/optimizers/nadam.js';
import { expectClose, hostBackends } from './helpers.js';

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

const KIND: Record<GoldenCase['optimizer'], OptimizerName> = {
  SGD: 'sgd', Adagrad: 'adagrad', RMSprop: 'rmsprop', Adam: 'adam', AdamW: 'adam', Nadam: 'nadam', Adamax: 'adamax',
};

const num = (c: GoldenCase, key: string, fallback: number): number => {
  const v = c.config[key];
  return typeof v === 'number' ? v : fallback;
};

/** Keras's clipnorm / clipvalue / global_clipnorm, with kerno's kernels. */
function clip(c: GoldenCase, grads: Float32Array[], backend: number): void {
  const clipnorm = num(c, 'clipnorm', 0), clipvalue = num(c, 'clipvalue', 0), globalClip = num(c, 'global_clipnorm', 0);
  if (clipnorm > 0) {
    for (const g of grads) {
      const norm = Math.sqrt(sumSquares(g, { backend }));
      if (norm > clipnorm) scale(g, clipnorm / norm, { backend });
    }
  }
  if (clipvalue > 0) for (const g of grads) clipByValue(g, clipvalue, { backend });
  if (globalClip > 0) {
    const norm = Math.sqrt(grads.reduce((s, g) => s + sumSquares(g, { backend }), 0));
    if (norm > globalClip) for (const g of grads) scale(g, globalClip / norm, { backend });
  }
}

describe(`Keras ${golden.keras_version} optimizer golden values`, () => {
  it('has the cases this suite expects', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(10);
    expect(new Set(golden.cases.map((c) => c.optimizer))).toEqual(new Set(['SGD', 'Adagrad', 'RMSprop', 'Adam', 'AdamW', 'Nadam', 'Adamax']));
  });

  describe.each(hostBackends)('on $name', ({ index }) => {
    it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const kind = KIND[c.optimizer];
      const params = {
        weightDecay: num(c, 'weight_decay', 0),
        momentum: num(c, 'momentum', 0),
        nesterov: c.config.nesterov === true,
        rho: num(c, 'rho', 0.9),
        centered: c.config.centered === true,
        beta1: num(c, 'beta_1', 0.9),
        beta2: num(c, 'beta_2', 0.999),
        amsgrad: c.config.amsgrad === true,
        epsilon: num(c, 'epsilon', 1e-7),
      };
      const need = requiredSlots(kind, params);
      const init = kind === 'adagrad' ? num(c, 'initial_accumulator_value', 0.1) : 0;
      const vars = c.initial.map((v) => Float32Array.from(v));
      const slots = vars.map((v) => need.map((n) => (n ? new Float32Array(v.length).fill(init) : null)));
      for (let t = 0; t < golden.steps; t++) {
        const grads = c.grads[t].map((g) => Float32Array.from(g));
        clip(c, grads, index);
        vars.forEach((param, i) => {
          optimizerUpdate(kind, { ...params, learningRate: c.learning_rate_per_step[t], param, grad: grads[i],
            slots: slots[i], step: t + 1, uProduct: kind === 'nadam' ? Nadam.uProductAt(params.beta1, t + 1) : undefined,
            backend: index });
        });
        vars.forEach((param, i) => expectClose(param, c.params[t][i], 2e-6, 1e-5, `${c.name} step ${t + 1} variable ${i}`));
      }
    });
  });
});
