// DepthwiseConv2D through the binding on every host backend: float64 reference values and central
// finite differences of f = Σ out·r over the kernel's own forward. Output channel c·M + m comes
// from input channel c (Keras).
//
// Tolerances: each output sums ≤ 9 products of values in [-1, 1], so forward and analytic
// gradients are checked at atol 2e-5 + rtol 2e-5; gradients sum up to B·OH·OW ≤ 60 terms, at
// atol 5e-5. Finite differences (f linear in each argument, h = 1e-2): atol 2e-3 as conv2d.
import { describe, expect, it } from 'vitest';
import { activationForward } from '../../src/native.js';
import { type Padding, depthwiseConv2dBackward, depthwiseConv2dForward, windowGeometry } from '../../src/nativeConv.js';
import { dot, expectClose, finiteDiff, hostBackends, rand } from './helpers.js';

interface Case { name: string; B: number; H: number; W: number; C: number; M: number; kernelSize: [number, number];
  strides: [number, number]; dilationRate: [number, number]; padding: Padding }

const CASES: Case[] = [
  { name: 'same 3x3 multiplier 2', B: 2, H: 5, W: 4, C: 3, M: 2, kernelSize: [3, 3], strides: [1, 1], dilationRate: [1, 1], padding: 'same' },
  { name: 'valid 3x2 stride 2', B: 2, H: 7, W: 6, C: 4, M: 1, kernelSize: [3, 2], strides: [2, 2], dilationRate: [1, 1], padding: 'valid' },
  { name: 'same dilation 2 multiplier 3', B: 1, H: 6, W: 5, C: 2, M: 3, kernelSize: [3, 3], strides: [1, 1], dilationRate: [2, 2], padding: 'same' },
  { name: 'same stride 2 odd sizes', B: 2, H: 5, W: 7, C: 5, M: 1, kernelSize: [3, 3], strides: [2, 2], dilationRate: [1, 1], padding: 'same' },
];

describe.each(hostBackends)('depthwise conv2d on $name', ({ index }) => {
  describe.each(CASES)('$name', (c) => {
    const geo = windowGeometry({ height: c.H, width: c.W, kernelSize: c.kernelSize, strides: c.strides, dilationRate: c.dilationRate, padding: c.padding });
    const OH = geo.outHeight, OW = geo.outWidth, [KH, KW] = c.kernelSize, CM = c.C * c.M;
    const sizes = { batch: c.B, height: c.H, width: c.W, channels: c.C, depthMultiplier: c.M, kernelSize: c.kernelSize,
      strides: c.strides, dilationRate: c.dilationRate, padding: c.padding, backend: index };
    const x = rand(c.B * c.H * c.W * c.C, 31), w = rand(KH * KW * CM, 32), bias = rand(CM, 33), r = rand(c.B * OH * OW * CM, 34);

    /** visit(outIndex, inIndex, kernelIndex) for every in-bounds tap. */
    function taps(visit: (o: number, i: number, k: number) => void): void {
      for (let b = 0; b < c.B; b++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * c.strides[0] - geo.padTop + kh * c.dilationRate[0];
                const iw = ow * c.strides[1] - geo.padLeft + kw * c.dilationRate[1];
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                for (let ch = 0; ch < c.C; ch++)
                  for (let m = 0; m < c.M; m++)
                    visit(((b * OH + oh) * OW + ow) * CM + ch * c.M + m, ((b * c.H + ih) * c.W + iw) * c.C + ch, (kh * KW + kw) * CM + ch * c.M + m);
              }
    }

    it('forward matches float64, with and without bias', () => {
      const want = new Float64Array(r.length), wantNoBias = new Float64Array(r.length);
      for (let i = 0; i < want.length; i++) want[i] = bias[i % CM];
      taps((o, i, k) => { want[o] += x[i] * w[k]; wantNoBias[o] += x[i] * w[k]; });
      const out = new Float32Array(r.length).fill(NaN);
      expect(depthwiseConv2dForward({ ...sizes, inp: x, kernel: w, bias, out })).toBe(out);
      expectClose(out, want, 2e-5, 2e-5, 'with bias');
      expectClose(depthwiseConv2dForward({ ...sizes, inp: x, kernel: w }), wantNoBias, 2e-5, 2e-5, 'without bias');
    });

    it('fused activations equal activationForward on the linear output bit for bit', () => {
      const xs = x.map((v) => 3 * v), linear = depthwiseConv2dForward({ ...sizes, inp: xs, kernel: w, bias });
      for (const activation of ['relu', 'tanh', 'elu', 'gelu', 'silu'] as const) {
        const fused = depthwiseConv2dForward({ ...sizes, inp: xs, kernel: w, bias, activation });
        expect(Array.from(fused), activation).toEqual(Array.from(activationForward(activation, linear, undefined, { backend: index })));
      }
    });

    it('backward matches the float64 formulas, accumulates, and skips null buffers', () => {
      const dinp = rand(x.length, 35), dk0 = rand(w.length, 36), dkernel = dk0.slice(), dbias = rand(CM, 37);
      const want = { dinp: Float64Array.from(dinp), dk: Float64Array.from(dk0), db: Float64Array.from(dbias) };
      for (let o = 0; o < r.length; o++) want.db[o % CM] += r[o];
      taps((o, i, k) => { want.dinp[i] += r[o] * w[k]; want.dk[k] += r[o] * x[i]; });
      depthwiseConv2dBackward({ ...sizes, dout: r, inp: x, kernel: w, dinp, dkernel, dbias });
      expectClose(dinp, want.dinp, 5e-5, 5e-5, 'dinp');
      expectClose(dkernel, want.dk, 5e-5, 5e-5, 'dkernel');
      expectClose(dbias, want.db, 5e-5, 5e-5, 'dbias');
      const alone = new Float32Array(w.length);
      depthwiseConv2dBackward({ ...sizes, dout: r, inp: x, kernel: w, dkernel: alone });
      expectClose(alone, want.dk.map((v, i) => v - dk0[i]), 5e-5, 5e-5, 'dkernel alone');
    });

    it('gradients agree with finite differences of the forward kernel', () => {
      const xx = x.slice(), ww = w.slice(), bb = bias.slice(), out = new Float32Array(r.length);
      const f = () => dot(depthwiseConv2dForward({ ...sizes, inp: xx, kernel: ww, bias: bb, out }), r);
      const dinp = new Float32Array(x.length), dkernel = new Float32Array(w.length), dbias = new Float32Array(CM);
      depthwiseConv2dBackward({ ...sizes, dout: r, inp: xx, kernel: ww, dinp, dkernel, dbias });
      expectClose(dinp, finiteDiff(xx, 1e-2, f), 2e-3, 0, 'dinp vs FD');
      expectClose(dkernel, finiteDiff(ww, 1e-2, f), 2e-3, 0, 'dkernel vs FD');
      expectClose(dbias, finiteDiff(bb, 1e-2, f), 2e-3, 0, 'dbias vs FD');
    });
  });
});
