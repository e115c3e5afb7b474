// Max/average pooling and global pooling through the binding on every host backend: float64
// reference values (padding never wins a max and is not counted in a mean, as Keras), gradients
// against the reference formulas, and central finite differences over the kernels' own forward.
//
// Tolerances: max is exact. A mean of ≤ 9 floats rounds within a few ulps of the largest input,
// so means are checked at atol 1e-6·max|x| (inputs reach ±117 in the many-channel case), and
// gradients of r ∈ [-1, 1] spread over ≤ 9 taps at atol 1e-6. Finite differences use inputs whose values are all distinct, 0.05
// apart, with h = 1e-3, so no step changes which element wins a window; the pooled sums are then
// linear in the input and f = Σ out·r rounds at ≈ 1e-6·Σ|out·r| ≤ 1e-5, over 2h: atol 5e-3.
import { describe, expect, it } from 'vitest';
import { type Padding, avgPool2dBackward, avgPool2dForward, globalPool2dBackward, globalPool2dForward, maxPool2dBackward,
  maxPool2dForward, windowGeometry } from '../../src/nativeConv.js';
import { dot, expectClose, finiteDiff, hostBackends, rand } from './helpers.js';

/** n distinct values 0.05 apart, shuffled deterministically, centred on 0. */
function distinct(n: number, seed: number): Float32Array {
  const keys = rand(n, seed), order = [...keys.keys()].sort((a, b) => keys[a] - keys[b]);
  const out = new Float32Array(n);
  order.forEach((pos, rank) => { out[pos] = (rank - n / 2) * 0.05; });
  return out;
}

interface Case { name: string; B: number; H: number; W: number; C: number; poolSize: [number, number]; strides?: [number, number]; padding: Padding }

const CASES: Case[] = [
  { name: 'valid 2x2 (default strides)', B: 2, H: 5, W: 7, C: 3, poolSize: [2, 2], padding: 'valid' },
  { name: 'same 3x3 stride 2', B: 2, H: 5, W: 7, C: 3, poolSize: [3, 3], strides: [2, 2], padding: 'same' },
  { name: 'same 2x3 stride 1 (odd pad at the end)', B: 1, H: 4, W: 5, C: 2, poolSize: [2, 3], strides: [1, 1], padding: 'same' },
  { name: 'valid 3x2 stride (3,1), many channels', B: 2, H: 7, W: 5, C: 67, poolSize: [3, 2], strides: [3, 1], padding: 'valid' },
];

describe.each(hostBackends)('pooling on $name', ({ index }) => {
  describe.each(CASES)('$name', (c) => {
    const [KH, KW] = c.poolSize, [sh, sw] = c.strides ?? c.poolSize;
    const g = windowGeometry({ height: c.H, width: c.W, kernelSize: c.poolSize, strides: [sh, sw], padding: c.padding });
    const OH = g.outHeight, OW = g.outWidth;
    const sizes = { batch: c.B, height: c.H, width: c.W, channels: c.C, poolSize: c.poolSize, strides: c.strides, padding: c.padding, backend: index };
    const x = distinct(c.B * c.H * c.W * c.C, 41), r = rand(c.B * OH * OW * c.C, 42);

    /** For each output element: the input indices of its in-bounds taps, in scan order. */
    function windows(): number[][] {
      const res: number[][] = [];
      for (let b = 0; b < c.B; b++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++)
            for (let ch = 0; ch < c.C; ch++) {
              const idx: number[] = [];
              for (let ih = oh * sh - g.padTop; ih < oh * sh - g.padTop + KH; ih++)
                for (let iw = ow * sw - g.padLeft; iw < ow * sw - g.padLeft + KW; iw++)
                  if (ih >= 0 && ih < c.H && iw >= 0 && iw < c.W) idx.push(((b * c.H + ih) * c.W + iw) * c.C + ch);
              res.push(idx);
            }
      return res;
    }
    const win = windows();

    it('max forward and backward match the reference', () => {
      const out = new Float32Array(r.length).fill(NaN);
      expect(maxPool2dForward({ ...sizes, inp: x, out })).toBe(out);
      const want = win.map((idx) => Math.max(...idx.map((i) => x[i])));
      expectClose(out, want, 0, 0, 'max forward');
      const dinp0 = rand(x.length, 43), wantD = Float64Array.from(dinp0);
      win.forEach((idx, o) => { wantD[idx.reduce((best, i) => (x[i] > x[best] ? i : best))] += r[o]; });
      const dinp = maxPool2dBackward({ ...sizes, dout: r, inp: x, dinp: dinp0.slice() });
      expectClose(dinp, wantD, 1e-6, 1e-6, 'max backward');
    });

    it('avg forward and backward match the reference (padding not counted)', () => {
      const want = win.map((idx) => idx.reduce((s, i) => s + x[i], 0) / idx.length);
      const scale = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expectClose(avgPool2dForward({ ...sizes, inp: x }), want, 1e-6 * scale, 1e-6, 'avg forward');
      const wantD = new Float64Array(x.length);
      win.forEach((idx, o) => { for (const i of idx) wantD[i] += r[o] / idx.length; });
      expectClose(avgPool2dBackward({ ...sizes, dout: r }), wantD, 1e-6, 1e-6, 'avg backward');
    });

    it('gradients agree with finite differences of the forward kernels', () => {
      const xx = x.slice(), out = new Float32Array(r.length);
      const fMax = () => dot(maxPool2dForward({ ...sizes, inp: xx, out }), r);
      expectClose(maxPool2dBackward({ ...sizes, dout: r, inp: xx }), finiteDiff(xx, 1e-3, fMax), 5e-3, 0, 'max vs FD');
      const fAvg = () => dot(avgPool2dForward({ ...sizes, inp: xx, out }), r);
      expectClose(avgPool2dBackward({ ...sizes, dout: r }), finiteDiff(xx, 1e-3, fAvg), 5e-3, 0, 'avg vs FD');
    });
  });

  it('max routes a tie to the first maximum in scan order (TensorFlow MaxPoolGrad)', () => {
    const x = new Float32Array([1, 3, 3, 2]);
    const dinp = maxPool2dBackward({ batch: 1, height: 2, width: 2, channels: 1, dout: new Float32Array([1]), inp: x, backend: index });
    expect(Array.from(dinp)).toEqual([0, 1, 0, 0]);
  });

  describe.each(['avg', 'max'] as const)('global %s pooling', (kind) => {
    const B = 3, H = 4, W = 5, C = 6, S = H * W;
    const sizes = { batch: B, height: H, width: W, channels: C, backend: index };
    const x = distinct(B * S * C, 51), r = rand(B * C, 52);
    const pick = (b: number, c: number) => Array.from({ length: S }, (_, s) => (b * S + s) * C + c);

    it('forward and backward match the reference and finite differences', () => {
      const want = new Float64Array(B * C), wantD = new Float64Array(x.length);
      for (let b = 0; b < B; b++)
        for (let c = 0; c < C; c++) {
          const idx = pick(b, c);
          if (kind === 'avg') {
            want[b * C + c] = idx.reduce((s, i) => s + x[i], 0) / S;
            for (const i of idx) wantD[i] += r[b * C + c] / S;
          } else {
            const best = idx.reduce((m, i) => (x[i] > x[m] ? i : m));
            want[b * C + c] = x[best];
            wantD[best] += r[b * C + c];
          }
        }
      // x spans ±9: a mean of 20 of them rounds within 1e-5.
      expectClose(globalPool2dForward(kind, { ...sizes, inp: x }), want, 1e-5, 1e-6, 'forward');
      const dinp = globalPool2dBackward(kind, { ...sizes, dout: r, inp: x });
      expectClose(dinp, wantD, 1e-6, 1e-6, 'backward');
      const xx = x.slice(), out = new Float32Array(B * C);
      const f = () => dot(globalPool2dForward(kind, { ...sizes, inp: xx, out }), r);
      expectClose(dinp, finiteDiff(xx, 1e-3, f), 5e-3, 0, 'backward vs FD');
    });
  });
});
