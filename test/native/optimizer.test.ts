// Optimizer updates and gradient utilities through the binding on every backend: a float64
// transcription of the Keras 3 update rules (keras/src/optimizers/*.py) over buffers long enough
// to cross SIMD tails and threads, plus sumSquares/scale/clipByValue. The Keras golden values are
// in keras_optimizers.test.ts.
//
// Tolerance: five float32 steps of the same formulas drift by a few ulps per step, so parameters
// are checked at atol 1e-6 + rtol 1e-5 and slots at atol 1e-6 + rtol 1e-4 against float64.
import { describe, expect, it } from 'vitest';
import { type OptimizerName, type OptimizerParams, clipByValue, optimizerUpdate, requiredSlots, scale, sumSquares } from '../../src/native.js';
import { expectClose, hostBackends, rand } from './helpers.js';

type Config = Omit<OptimizerParams, 'learningRate'> & { learningRate: number };

/** One Keras update step in float64 on element arrays; returns nothing, updates w and slots. */
function keras64(kind: OptimizerName, c: Config, step: number, w: Float64Array, g: ArrayLike<number>, s: Float64Array[]): void {
  const lr = c.learningRate, wd = c.weightDecay ?? 0, mom = c.momentum ?? 0, eps = c.epsilon ?? 1e-7;
  const rho = c.rho ?? 0.9, b1 = c.beta1 ?? 0.9, b2 = c.beta2 ?? 0.999;
  const alpha = lr * Math.sqrt(1 - b2 ** step) / (1 - b1 ** step);
  for (let i = 0; i < w.length; i++) {
    if (wd !== 0) w[i] -= w[i] * wd * lr;
    const gi = g[i];
    if (kind === 'sgd') {
      if (mom !== 0) {
        s[0][i] = s[0][i] * mom - gi * lr;
        w[i] += c.nesterov ? s[0][i] * mom - gi * lr : s[0][i];
      } else w[i] -= gi * lr;
    } else if (kind === 'adagrad') {
      s[0][i] += gi * gi;
      w[i] -= (lr * gi) / Math.sqrt(s[0][i] + eps);
    } else if (kind === 'rmsprop') {
      s[0][i] = rho * s[0][i] + (1 - rho) * gi * gi;
      let denom = s[0][i] + eps;
      if (c.centered) {
        s[2][i] = rho * s[2][i] + (1 - rho) * gi;
        denom -= s[2][i] * s[2][i];
      }
      const inc = (lr * gi) / Math.sqrt(denom);
      if (mom > 0) {
        s[1][i] = mom * s[1][i] + inc;
        w[i] -= s[1][i];
      } else w[i] -= inc;
    } else {
      s[0][i] += (gi - s[0][i]) * (1 - b1);
      s[1][i] += (gi * gi - s[1][i]) * (1 - b2);
      let v = s[1][i];
      if (c.amsgrad) v = s[2][i] = Math.max(s[2][i], v);
      w[i] -= (alpha * s[0][i]) / (Math.sqrt(v) + eps);
    }
  }
}

const CASES: [string, OptimizerName, Config][] = [
  ['sgd', 'sgd', { learningRate: 0.1 }],
  ['sgd momentum', 'sgd', { learningRate: 0.05, momentum: 0.9 }],
  ['sgd nesterov + decay', 'sgd', { learningRate: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 }],
  ['adagrad', 'adagrad', { learningRate: 0.1 }],
  ['rmsprop', 'rmsprop', { learningRate: 0.01 }],
  ['rmsprop centered momentum', 'rmsprop', { learningRate: 0.01, momentum: 0.9, centered: true, rho: 0.8 }],
  ['rmsprop centered only', 'rmsprop', { learningRate: 0.01, centered: true }],
  ['adam', 'adam', { learningRate: 0.01 }],
  ['adam amsgrad', 'adam', { learningRate: 0.01, amsgrad: true, beta1: 0.8, beta2: 0.99 }],
  ['adamw', 'adam', { learningRate: 0.01, weightDecay: 0.004, epsilon: 1e-5 }],
];

describe.each(hostBackends)('optimizerUpdate on $name', ({ index }) => {
  it.each(CASES)('%s matches the float64 Keras rule over 5 steps', (_name, kind, config) => {
    const N = 1037;
    const need = requiredSlots(kind, config);
    const init = kind === 'adagrad' ? 0.1 : 0; // Keras initial_accumulator_value
    const param = rand(N, 1, -2, 2);
    const slots = need.map((n) => (n ? new Float32Array(N).fill(init) : null));
    const w64 = Float64Array.from(param);
    const s64 = [0, 1, 2].map(() => new Float64Array(N).fill(init));
    for (let step = 1; step <= 5; step++) {
      const grad = rand(N, 10 + step, -1, 1);
      optimizerUpdate(kind, { ...config, param, grad, slots, step, backend: index });
      keras64(kind, config, step, w64, grad, s64);
    }
    expectClose(param, w64, 1e-6, 1e-5, 'param');
    need.forEach((n, i) => { if (n) expectClose(slots[i]!, s64[i], 1e-6, 1e-4, `slot${i}`); });
  });

  it('leaves a zero-length parameter alone', () => {
    expect(() => optimizerUpdate('adam', { param: new Float32Array(0), grad: new Float32Array(0),
      slots: [new Float32Array(0), new Float32Array(0)], learningRate: 0.1, step: 1, backend: index })).not.toThrow();
  });
});

describe.each(hostBackends)('gradient utilities on $name', ({ index }) => {
  it('sumSquares accumulates in double', () => {
    const x = rand(10007, 3, -3, 3);
    let want = 0;
    for (const v of x) want += v * v;
    // Squares of float32 are exact in double; only the N additions round (≈ N·2⁻⁵³ relative).
    expect(Math.abs(sumSquares(x, { backend: index }) - want)).toBeLessThanOrEqual(1e-12 * want);
    // A float32 accumulator would lose the small terms beside a large one.
    const y = new Float32Array(1 + 4096).fill(1);
    y[0] = 1e6;
    expect(sumSquares(y, { backend: index })).toBe(1e12 + 4096);
  });

  it('scale multiplies in float32, in place', () => {
    const x = rand(1001, 4, -5, 5), want = x.map((v) => Math.fround(v * Math.fround(0.37)));
    expect(scale(x, 0.37, { backend: index })).toBe(x);
    expect(Array.from(x)).toEqual(Array.from(want));
  });

  it('clipByValue clamps to [-v, v], in place', () => {
    const x = rand(1001, 5, -5, 5), want = x.map((v) => Math.min(2.5, Math.max(-2.5, v)));
    clipByValue(x, 2.5, { backend: index });
    expect(Array.from(x)).toEqual(Array.from(want));
  });
});

describe('requiredSlots', () => {
  it('follows the kernels.h slot layout', () => {
    expect(requiredSlots('sgd')).toEqual([false, false, false]);
    expect(requiredSlots('sgd', { momentum: 0.9 })).toEqual([true, false, false]);
    expect(requiredSlots('adagrad')).toEqual([true, false, false]);
    expect(requiredSlots('rmsprop', { centered: true })).toEqual([true, false, true]);
    expect(requiredSlots('rmsprop', { momentum: 0.5 })).toEqual([true, true, false]);
    expect(requiredSlots('adam')).toEqual([true, true, false]);
    expect(requiredSlots('adam', { amsgrad: true })).toEqual([true, true, true]);
  });
});
