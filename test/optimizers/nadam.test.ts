// Nadam: Keras defaults and options, its slots, the scalar u_product it carries across steps, and
// long trajectories against a float64 implementation of Keras 3's formulas (the five-step Keras
// trajectories themselves are replayed in kerasGolden.test.ts).
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { optimizerUpdate } from '../../src/native.js';
import { ExponentialDecay, Nadam, getOptimizer } from '../../src/optimizers/index.js';
import { addon, ctxFor, expectClose, hostBackends } from './helpers.js';

const ctx = ctxFor(addon.backendInfo().defaultBackend);

/** A deterministic gradient stream in [-1, 1) (no Math.random). */
function grads(n: number, step: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + 2.1 * step + 0.4 * i * step) * (step % 4 === 3 ? 3 : 1));
}

/** Keras Nadam in float64, from zero slots; `lrAt(t)` is the rate of 1-based step t. */
function nadam64(w0: Float32Array, steps: number, o: { beta1: number; beta2: number; epsilon: number; weightDecay: number },
  lrAt: (t: number) => number, firstStep = 1): number[] {
  const w = Array.from(w0), m = w.map(() => 0), v = w.map(() => 0);
  const { beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd } = o;
  const u = (t: number) => b1 * (1 - 0.5 * 0.96 ** t);
  let prod = 1;
  for (let t = 1; t < firstStep; t++) prod *= u(t);
  for (let t = firstStep; t < firstStep + steps; t++) {
    prod *= u(t);
    const g = grads(w.length, t), lr = lrAt(t);
    for (let i = 0; i < w.length; i++) {
      w[i] -= w[i] * wd * lr;
      m[i] += (g[i] - m[i]) * (1 - b1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
      const mHat = (u(t + 1) * m[i]) / (1 - prod * u(t + 1)) + ((1 - u(t)) * g[i]) / (1 - prod);
      const vHat = v[i] / (1 - b2 ** t);
      w[i] -= (mHat * lr) / (Math.sqrt(vHat) + eps);
    }
  }
  return w;
}

describe('Nadam', () => {
  it("has Keras's defaults, a complete config and the name 'nadam'", () => {
    const o = getOptimizer('nadam');
    expect(o).toBeInstanceOf(Nadam);
    expect(o.getConfig()).toEqual({
      learningRate: 0.001, weightDecay: null, clipnorm: null, clipvalue: null, globalClipnorm: null,
      beta1: 0.9, beta2: 0.999, epsilon: 1e-7,
    });
    const lr = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(new Nadam({ learningRate: lr, weightDecay: 0.01, clipnorm: 2, beta1: 0.5 }).getConfig()).toMatchObject({
      learningRate: { className: 'ExponentialDecay' }, weightDecay: 0.01, clipnorm: 2, beta1: 0.5,
    });
  });

  it('rejects betas outside [0, 1) and a negative epsilon, naming the option', () => {
    expect(() => new Nadam({ beta1: 1 })).toThrow(ValueError);
    expect(() => new Nadam({ beta1: 1 })).toThrow(/Nadam: option "beta1" expected a number in \[0, 1\), received 1/);
    expect(() => new Nadam({ beta2: -0.1 })).toThrow(/Nadam: option "beta2"/);
    expect(() => new Nadam({ beta2: NaN })).toThrow(/beta2/);
    expect(() => new Nadam({ epsilon: -1 })).toThrow(/Nadam: option "epsilon"/);
    expect(() => new Nadam({ learningRate: 0 })).toThrow(/learningRate/);
  });

  it("allocates Keras's two slots, momentum and velocity", () => {
    const o = new Nadam();
    o.build([], 3);
    expect(o.slots().map((s) => s.name)).toEqual(['momentum', 'velocity']);
  });

  it("uProductAt is Keras's float32 running product of β1·(1 − 0.5·0.96^t)", () => {
    expect(Nadam.uProductAt(0.9, 0)).toBe(1);
    expect(Nadam.uProductAt(0.9, 1)).toBe(Math.fround(Math.fround(0.9) * Math.fround(1 - 0.5 * Math.fround(0.96))));
    let exact = 1;
    for (let t = 1; t <= 200; t++) {
      exact *= 0.9 * (1 - 0.5 * 0.96 ** t);
      // float32 rounding of ~3 operations per step accumulates: 200 steps stay within 1e-4.
      if ([1, 2, 10, 50, 200].includes(t)) expect(Math.abs(Nadam.uProductAt(0.9, t) - exact) / exact).toBeLessThan(1e-4);
    }
    expect(Nadam.uProductAt(0, 5)).toBe(0);
  });

  describe.each(hostBackends)('on $name', ({ index }) => {
    it.each([
      ['defaults, lr 0.01', { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }],
      ['β1 0.5, β2 0.9, weight decay', { beta1: 0.5, beta2: 0.9, epsilon: 1e-7, weightDecay: 0.1 }],
    ] as const)('60 steps with a decaying learning rate follow float64 Keras (%s)', (_n, o) => {
      const n = 37;
      const w0 = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 2);
      const schedule = new ExponentialDecay({ initialLearningRate: 0.01, decaySteps: 20, decayRate: 0.5 });
      const opt = new Nadam({ ...o, learningRate: schedule });
      opt.build([{ name: 'w', offset: 0, size: n }], n);
      const p = w0.slice(), g = new Float32Array(n);
      for (let t = 1; t <= 60; t++) {
        g.set(grads(n, t));
        opt.apply(ctxFor(index), p, g);
      }
      expectClose(p, nadam64(w0, 60, o, (t) => 0.01 * 0.5 ** ((t - 1) / 20)), 2e-6, 2e-5, 'params after 60 steps');
    });
  });

  it('the native update requires u_product for Nadam, in [0, 1]', () => {
    const f = () => new Float32Array(4);
    const raw = (...extra: number[]) => () => addon.optimizerUpdate(ctx.backend, f(), f(), f(), f(), null, 4, 0.1, 0, 0, 0, 0, 0,
      0.9, 0.999, 0, 1e-7, 1, ...extra);
    expect(raw()).toThrow(/optimizerUpdate: argument "uProduct" expected a number/);
    expect(raw(1.5)).toThrow(/KERNO_ERR_INVALID_ARGUMENT|invalid argument/);
    expect(raw(Nadam.uProductAt(0.9, 1))).not.toThrow();
    const args = { learningRate: 0.1, param: f(), grad: f(), slots: [f(), f()], step: 1 };
    expect(() => optimizerUpdate('nadam', args)).toThrow(/optimizerUpdate: argument "uProduct" expected a number in \[0, 1\]/);
    expect(() => optimizerUpdate('nadam', { ...args, slots: [f()], uProduct: 0.5 })).toThrow(/slots\[1\]/);
    expect(() => optimizerUpdate('adamax', { ...args, slots: [f(), f()] })).not.toThrow();
  });

  it('recomputes u_product when iterations is rewound or set (a restored optimizer)', () => {
    const o = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 };
    const n = 5, w0 = Float32Array.from([0.5, -1, 2, 0.25, -0.75]);
    const opt = new Nadam({ learningRate: 0.01 });
    opt.build([], n);
    const p = w0.slice();
    for (let t = 1; t <= 4; t++) opt.apply(ctx, p, grads(n, t));
    // Fresh slots, iterations moved to 10: the next step is Keras's step 11 from zero moments.
    opt.build([], n);
    opt.iterations = 10;
    const q = w0.slice();
    opt.apply(ctx, q, grads(n, 11));
    expectClose(q, nadam64(w0, 1, o, () => 0.01, 11), 1e-7, 1e-6, 'step 11 after setting iterations');
    // Rewound to 0: the same trajectory as a fresh optimizer.
    opt.build([], n);
    opt.iterations = 0;
    const r = w0.slice();
    for (let t = 1; t <= 3; t++) opt.apply(ctx, r, grads(n, t));
    expectClose(r, nadam64(w0, 3, o, () => 0.01), 1e-7, 1e-6, 'three steps after rewinding');
  });
});
