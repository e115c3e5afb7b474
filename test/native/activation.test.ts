// Activations and softmax through the binding on every backend: float64 reference values,
// analytic float64 derivatives, and central finite differences over the kernel's own forward.
//
// Tolerances: forward atol 2e-6 + rtol 2e-5 (float32 rounding plus the few-ulp error of fast
// exp/tanh/erf approximations); backward atol 5e-6 + rtol 5e-5. Finite differences use h = 1e-2
// on inputs kept 0.05 away from kinks: truncation error h²/6·|f'''| ≤ 1e-4 and float32 rounding
// of act(x ± h) ≈ 6e-8·|act|/h ≤ 3e-5, hence atol 3e-4 + rtol 1e-3.
import { describe, expect, it } from 'vitest';
import { type ActivationName, activationBackward, activationForward, softmaxBackward, softmaxForward } from '../../src/native.js';
import { addon, expectClose, finiteDiff, hostBackends, rand } from './helpers.js';

/** erf in float64: Taylor series (accurate to ~1e-13 for |x| ≤ 4), ±1 beyond (error < 2e-8). */
function erf(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const C_TANH = Math.sqrt(2 / Math.PI);
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** Kinds as [name, options, f, f'] in float64. */
const KINDS: [string, ActivationName, { alpha?: number; approximate?: boolean }, (x: number) => number, (x: number) => number][] = [
  ['linear', 'linear', {}, (x) => x, () => 1],
  ['relu', 'relu', {}, (x) => Math.max(0, x), (x) => (x > 0 ? 1 : 0)],
  ['sigmoid', 'sigmoid', {}, sigmoid, (x) => sigmoid(x) * (1 - sigmoid(x))],
  ['tanh', 'tanh', {}, Math.tanh, (x) => 1 - Math.tanh(x) ** 2],
  ['leakyRelu α=0.3', 'leakyRelu', { alpha: 0.3 }, (x) => (x > 0 ? x : 0.3 * x), (x) => (x > 0 ? 1 : 0.3)],
  ['elu α=1', 'elu', {}, (x) => (x > 0 ? x : Math.expm1(x)), (x) => (x > 0 ? 1 : Math.exp(x))],
  ['elu α=0.5', 'elu', { alpha: 0.5 }, (x) => (x > 0 ? x : 0.5 * Math.expm1(x)), (x) => (x > 0 ? 1 : 0.5 * Math.exp(x))],
  ['gelu (erf)', 'gelu', {}, (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + x * phi(x)],
  ['gelu (tanh)', 'gelu', { approximate: true },
    (x) => 0.5 * x * (1 + Math.tanh(C_TANH * (x + 0.044715 * x ** 3))),
    (x) => {
      const t = Math.tanh(C_TANH * (x + 0.044715 * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C_TANH * (1 + 3 * 0.044715 * x * x);
    }],
  ['softplus', 'softplus', {}, (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), sigmoid],
  ['silu', 'silu', {}, (x) => x * sigmoid(x), (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x)))],
];

/** Inputs over [-6, 6] plus large magnitudes, none within 0.05 of the kink at 0. */
function inputs(): Float32Array {
  const x = rand(203, 7, -6, 6);
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) < 0.05) x[i] = x[i] < 0 ? -0.05 : 0.05;
  x.set([-30, -12, 12, 30, -88, 60], 0);
  return x;
}

const KIND_NUMBER: Record<ActivationName, number> = {
  linear: 0, relu: 1, sigmoid: 2, tanh: 3, leakyRelu: 4, elu: 5, gelu: 6, softplus: 8, silu: 9, swish: 9,
};

describe.each(hostBackends)('activations on $name', ({ index }) => {
  describe.each(KINDS)('%s', (_label, kind, opts, f, df) => {
    const x = inputs();
    const code = opts.approximate ? 7 : KIND_NUMBER[kind];
    const alpha = opts.alpha ?? (kind === 'elu' ? 1 : 0);

    it('forward matches float64', () => {
      const out = new Float32Array(x.length).fill(NaN);
      addon.activationForward(index, out, x, code, alpha);
      expectClose(out, Array.from(x, f), 2e-6, 2e-5, 'forward');
    });

    it('works in place (out = inp) and through the TS wrapper', () => {
      const y = x.slice();
      activationForward(kind, y, y, { ...opts, backend: index });
      expectClose(y, Array.from(x, f), 2e-6, 2e-5, 'in place');
    });

    it('backward matches the float64 derivative and accumulates', () => {
      const out = activationForward(kind, x, undefined, { ...opts, backend: index });
      const dout = rand(x.length, 3);
      const dinp = rand(x.length, 4);
      const want = Array.from(x, (v, i) => dinp[i] + dout[i] * df(v));
      activationBackward(kind, { dout, inp: x, out, dinp, ...opts, backend: index });
      expectClose(dinp, want, 5e-6, 5e-5, 'backward');
    });

    it('backward agrees with finite differences of the forward kernel', () => {
      const xs = x.slice(6); // moderate inputs only: FD of saturated float32 values is noise
      const out = new Float32Array(xs.length), one = new Float32Array(1), y = new Float32Array(1);
      const fd = new Float64Array(xs.length);
      for (let i = 0; i < xs.length; i++) {
        one[0] = xs[i];
        fd[i] = finiteDiff(one, 1e-2, () => {
          addon.activationForward(index, y, one, code, alpha);
          return y[0];
        })[0];
      }
      addon.activationForward(index, out, xs, code, alpha);
      const dinp = new Float32Array(xs.length);
      addon.activationBackward(index, dinp, new Float32Array(xs.length).fill(1), xs, out, code, alpha);
      expectClose(dinp, fd, 3e-4, 1e-3, 'FD');
    });
  });

  it('swish is silu', () => {
    const x = inputs();
    expect(activationForward('swish', x, undefined, { backend: index }))
      .toEqual(activationForward('silu', x, undefined, { backend: index }));
  });
});

function softmax64(x: ArrayLike<number>, R: number, C: number): Float64Array {
  const y = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let m = -Infinity, s = 0;
    for (let c = 0; c < C; c++) m = Math.max(m, x[r * C + c]);
    for (let c = 0; c < C; c++) s += Math.exp(x[r * C + c] - m);
    for (let c = 0; c < C; c++) y[r * C + c] = Math.exp(x[r * C + c] - m) / s;
  }
  return y;
}

describe.each(hostBackends)('softmax on $name', ({ index }) => {
  const R = 9, C = 21;

  it('forward matches float64, including huge logits', () => {
    const x = rand(R * C, 5, -8, 8);
    x.set([1000, 1001, 1002], 0);
    x.set([-1000, -999, -1001], C);
    const y = softmaxForward({ inp: x, rows: R, cols: C, backend: index });
    expectClose(y, softmax64(x, R, C), 1e-6, 1e-5, 'softmax');
  });

  it('forward works in place and with a single column', () => {
    const x = rand(R * C, 6, -3, 3), want = softmax64(x, R, C);
    addon.softmaxForward(index, x, x, R, C);
    expectClose(x, want, 1e-6, 1e-5, 'in place');
    const one = softmaxForward({ inp: new Float32Array([-5, 7]), rows: 2, cols: 1, backend: index });
    expect(Array.from(one)).toEqual([1, 1]);
  });

  it('backward matches y ⊙ (g − Σ g·y) and accumulates', () => {
    const x = rand(R * C, 8, -4, 4);
    const y = softmaxForward({ inp: x, rows: R, cols: C, backend: index });
    const g = rand(R * C, 9), dinp = rand(R * C, 10);
    const want = Float64Array.from(dinp);
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += g[r * C + c] * y[r * C + c];
      for (let c = 0; c < C; c++) want[r * C + c] += y[r * C + c] * (g[r * C + c] - s);
    }
    softmaxBackward({ dout: g, out: y, dinp, rows: R, cols: C, backend: index });
    expectClose(dinp, want, 2e-6, 2e-5, 'softmax backward');
  });

  it('backward agrees with finite differences of the forward kernel', () => {
    const x = rand(R * C, 12, -3, 3), r = rand(R * C, 13);
    const y = new Float32Array(R * C);
    const f = () => {
      addon.softmaxForward(index, y, x, R, C);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * r[i];
      return s;
    };
    f();
    const dinp = new Float32Array(R * C);
    addon.softmaxBackward(index, dinp, r, y, R, C);
    // Rows of ~21 outputs each change under a step: rounding ≈ 21·6e-8/h, truncation ≈ h²/6.
    expectClose(dinp, finiteDiff(x, 1e-2, f), 3e-4, 1e-3, 'softmax FD');
  });
});
