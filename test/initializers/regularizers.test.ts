// Keras regularizers: penalties against their formulas and gradients against central finite
// differences of the penalty (in double, on values away from 0 where |w| is not smooth).
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { L1, L1L2, L2, type Regularizer, getRegularizer, l1, l1l2, l2 } from '../../src/regularizers.js';

const w = Float32Array.from([0.5, -1.25, 2, -0.75, 0.1, 3]);

function fdGrad(r: Regularizer, x: Float32Array): number[] {
  return [...x].map((_, i) => {
    const h = 1e-3, p = Float32Array.from(x), m = Float32Array.from(x);
    p[i] += h; m[i] -= h;
    return (r.penalty(p) - r.penalty(m)) / (p[i] - m[i]);
  });
}

describe('Keras regularizers', () => {
  it.each([
    ['l1()', l1(), 0.01 * 7.6],
    ['l2()', l2(), 0.01 * 15.385],
    ['L1({l1: 0.1})', new L1({ l1: 0.1 }), 0.1 * 7.6],
    ['L1L2({l1: 0.1, l2: 0.2})', new L1L2({ l1: 0.1, l2: 0.2 }), 0.1 * 7.6 + 0.2 * 15.385],
    ['l1l2() (Keras 3 defaults 0, 0)', l1l2(), 0],
  ] as const)('%s penalty', (_n, r, want) => {
    expect(r.penalty(w)).toBeCloseTo(want, 5);
  });

  it.each([
    ['L1', new L1({ l1: 0.3 })], ['L2', new L2({ l2: 0.3 })], ['L1L2', new L1L2({ l1: 0.2, l2: 0.4 })],
  ] as const)('%s gradient matches finite differences and accumulates', (_n, r) => {
    const grad = new Float32Array(w.length).fill(1);
    r.addGradient(w, grad);
    fdGrad(r, w).forEach((g, i) => expect(grad[i] - 1).toBeCloseTo(g, 3));
  });

  it('L1 has gradient 0 at w = 0 (TensorFlow sign(0))', () => {
    const g = new Float32Array(1);
    new L1().addGradient(new Float32Array(1), g);
    expect(g[0]).toBe(0);
  });

  it('defaults, configs, resolution and validation', () => {
    expect([l1().getConfig(), l2().getConfig(), l1l2({ l2: 0.5 }).getConfig()]).toEqual([{ l1: 0.01 }, { l2: 0.01 }, { l1: 0, l2: 0.5 }]);
    expect(getRegularizer('l1').className).toBe('L1');
    expect(getRegularizer('l2').className).toBe('L2');
    expect(getRegularizer('l1l2').className).toBe('L1L2');
    const r = l2(0.5);
    expect(getRegularizer(r)).toBe(r);
    expect(() => getRegularizer('l3' as never)).toThrow(/one of 'l1', 'l2', 'l1l2'/);
    expect(() => l1(-0.1)).toThrow(/L1: option "l1" expected a finite number >= 0/);
    expect(() => new L2({ l2: NaN })).toThrow(ValueError);
    expect(() => l2().addGradient(w, new Float32Array(2))).toThrow(/grad/);
  });
});
