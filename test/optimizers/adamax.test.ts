// Adamax: Keras defaults and options, its slots, and long trajectories against a float64
// implementation of Keras 3's formulas (the five-step Keras trajectories themselves are replayed
// in kerasGolden.test.ts).
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { Adamax, getOptimizer } from '../../src/optimizers/index.js';
import { addon, ctxFor, expectClose, hostBackends } from './helpers.js';

const ctx = ctxFor(addon.backendInfo().defaultBackend);

function grads(n: number, step: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(0.7 * i + 1.9 * step + 0.3 * i * step) * (step % 5 === 2 ? 4 : 1));
}

/** Keras Adamax in float64, from zero slots. */
function adamax64(w0: Float32Array, steps: number, o: { beta1: number; beta2: number; epsilon: number; weightDecay: number },
  lr: number): number[] {
  const w = Array.from(w0), m = w.map(() => 0), u = w.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    const g = grads(w.length, t);
    for (let i = 0; i < w.length; i++) {
      w[i] -= w[i] * o.weightDecay * lr;
      m[i] += (g[i] - m[i]) * (1 - o.beta1);
      u[i] = Math.max(o.beta2 * u[i], Math.abs(g[i]));
      w[i] -= (lr * m[i]) / ((1 - o.beta1 ** t) * (u[i] + o.epsilon));
    }
  }
  return w;
}

describe('Adamax', () => {
  it("has Keras's defaults, a complete config and the name 'adamax'", () => {
    const o = getOptimizer('adamax');
    expect(o).toBeInstanceOf(Adamax);
    expect(o.getConfig()).toEqual({
      learningRate: 0.001, weightDecay: null, clipnorm: null, clipvalue: null, globalClipnorm: null,
      beta1: 0.9, beta2: 0.999, epsilon: 1e-7,
    });
    expect(new Adamax({ globalClipnorm: 1, beta2: 1 }).getConfig()).toMatchObject({ globalClipnorm: 1, beta2: 1 });
  });

  it('rejects β1 outside [0, 1), β2 outside [0, 1] and a negative epsilon, naming the option', () => {
    expect(() => new Adamax({ beta1: 1 })).toThrow(ValueError);
    expect(() => new Adamax({ beta1: 1 })).toThrow(/Adamax: option "beta1" expected a number in \[0, 1\), received 1/);
    expect(() => new Adamax({ beta2: 1.5 })).toThrow(/Adamax: option "beta2" expected a number in \[0, 1\]/);
    expect(() => new Adamax({ epsilon: -1 })).toThrow(/Adamax: option "epsilon"/);
    expect(() => new Adamax({ clipnorm: 1, clipvalue: 1 })).toThrow(/at most one of them/);
  });

  it("allocates Keras's two slots, momentum and norm", () => {
    const o = new Adamax();
    o.build([], 3);
    expect(o.slots().map((s) => s.name)).toEqual(['momentum', 'norm']);
  });

  it('keeps the norm at the decayed maximum of |g| and keeps moving on a zero gradient', () => {
    const o = new Adamax({ learningRate: 0.1, beta2: 0.5 });
    o.build([], 1);
    const p = new Float32Array([0]);
    o.apply(ctx, p, new Float32Array([2]));
    expect(o.slots()[1].values[0]).toBe(2);
    o.apply(ctx, p, new Float32Array([0.5]));
    expect(o.slots()[1].values[0]).toBe(1); // max(0.5·2, 0.5)
    const before = p[0];
    o.apply(ctx, p, new Float32Array([0]));
    expect(p[0]).toBeLessThan(before); // m > 0 still
  });

  describe.each(hostBackends)('on $name', ({ index }) => {
    it.each([
      ['defaults, lr 0.01', { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }],
      ['β1 0.8, β2 0.5, weight decay', { beta1: 0.8, beta2: 0.5, epsilon: 1e-7, weightDecay: 0.1 }],
    ] as const)('60 steps follow float64 Keras (%s)', (_n, o) => {
      const n = 41;
      const w0 = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 2);
      const opt = new Adamax({ ...o, learningRate: 0.01 });
      opt.build([{ name: 'w', offset: 0, size: n }], n);
      const p = w0.slice(), g = new Float32Array(n);
      for (let t = 1; t <= 60; t++) {
        g.set(grads(n, t));
        opt.apply(ctxFor(index), p, g);
      }
      expectClose(p, adamax64(w0, 60, o, 0.01), 2e-6, 2e-5, 'params after 60 steps');
    });
  });
});
