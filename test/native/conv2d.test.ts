// Conv2D through the binding on every host backend: the TS geometry (Keras 'valid'/'same' and
// explicit pads), float64 reference values, and central finite differences of f = Σ out·r over
// the kernel's own forward.
//
// Tolerances: values in [-1, 1]; each output is a float32 sum of ≤ 3·3·5 = 45 products, so the
// forward and analytic gradients are checked at atol 5e-5 + rtol 5e-5 against float64 (the GEMM
// backends sum in another order than the reference). Finite differences: f is linear in each
// argument, so the only error is float32 rounding of f (≈ 1e-6·Σ|out·r| ≤ 1e-5) over 2h with
// h = 1e-2, hence atol 2e-3.
import { describe, expect, it } from 'vitest';
import { type ActivationName, activationForward } from '../../src/native.js';
import { type Padding, conv2dBackwardData, conv2dBackwardFilter, conv2dForward, windowGeometry } from '../../src/nativeConv.js';
import { dot, expectClose, finiteDiff, hostBackends, rand } from './helpers.js';

/** Explicit geometry of one case, as the kernels take it. */
export interface Geo {
  B: number; H: number; W: number; C: number; OH: number; OW: number; KH: number; KW: number; K: number;
  sh: number; sw: number; dh: number; dw: number; pt: number; pl: number;
}

/** Calls visit(b, oh, ow, kh, kw, ih, iw) for every in-bounds tap. */
function taps(g: Geo, visit: (b: number, oh: number, ow: number, kh: number, kw: number, ih: number, iw: number) => void): void {
  for (let b = 0; b < g.B; b++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let kh = 0; kh < g.KH; kh++)
          for (let kw = 0; kw < g.KW; kw++) {
            const ih = oh * g.sh - g.pt + kh * g.dh, iw = ow * g.sw - g.pl + kw * g.dw;
            if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) visit(b, oh, ow, kh, kw, ih, iw);
          }
}

interface Case { name: string; B: number; H: number; W: number; C: number; K: number; kernelSize: [number, number];
  strides: [number, number]; dilationRate: [number, number]; padding: Padding }

const CASES: Case[] = [
  { name: 'valid 3x3', B: 2, H: 5, W: 4, C: 3, K: 4, kernelSize: [3, 3], strides: [1, 1], dilationRate: [1, 1], padding: 'valid' },
  { name: 'same 3x2 stride 2 on odd sizes', B: 2, H: 5, W: 7, C: 2, K: 3, kernelSize: [3, 2], strides: [2, 2], dilationRate: [1, 1], padding: 'same' },
  { name: 'same 3x3 dilation 2', B: 1, H: 6, W: 5, C: 2, K: 3, kernelSize: [3, 3], strides: [1, 1], dilationRate: [2, 2], padding: 'same' },
  { name: 'explicit pads, stride (2,1)', B: 2, H: 4, W: 5, C: 3, K: 2, kernelSize: [2, 3], strides: [2, 1], dilationRate: [1, 1],
    padding: { top: 1, bottom: 0, left: 2, right: 1 } },
  { name: 'pointwise 1x1', B: 3, H: 3, W: 2, C: 5, K: 4, kernelSize: [1, 1], strides: [1, 1], dilationRate: [1, 1], padding: 'valid' },
];

function geo(c: Case): Geo {
  const g = windowGeometry({ height: c.H, width: c.W, kernelSize: c.kernelSize, strides: c.strides, dilationRate: c.dilationRate, padding: c.padding });
  return { B: c.B, H: c.H, W: c.W, C: c.C, OH: g.outHeight, OW: g.outWidth, KH: c.kernelSize[0], KW: c.kernelSize[1], K: c.K,
    sh: c.strides[0], sw: c.strides[1], dh: c.dilationRate[0], dw: c.dilationRate[1], pt: g.padTop, pl: g.padLeft };
}

function forward64(g: Geo, x: Float32Array, w: Float32Array, bias: Float32Array | null): Float64Array {
  const out = new Float64Array(g.B * g.OH * g.OW * g.K);
  for (let i = 0; i < out.length; i++) out[i] = bias ? bias[i % g.K] : 0;
  taps(g, (b, oh, ow, kh, kw, ih, iw) => {
    for (let c = 0; c < g.C; c++)
      for (let k = 0; k < g.K; k++)
        out[((b * g.OH + oh) * g.OW + ow) * g.K + k] += x[((b * g.H + ih) * g.W + iw) * g.C + c] * w[((kh * g.KW + kw) * g.C + c) * g.K + k];
  });
  return out;
}

describe('Keras geometry', () => {
  it('matches the TensorFlow formulas, odd total padding at the bottom/right', () => {
    // 'same': out = ceil(n/s); total = max((out−1)·s + (k−1)·d + 1 − n, 0); top = floor(total/2).
    expect(windowGeometry({ height: 5, width: 6, kernelSize: 3, strides: 2, padding: 'same' }))
      .toEqual({ outHeight: 3, outWidth: 3, padTop: 1, padBottom: 1, padLeft: 0, padRight: 1 });
    expect(windowGeometry({ height: 4, width: 7, kernelSize: [4, 3], dilationRate: [1, 3], padding: 'same' }))
      .toEqual({ outHeight: 4, outWidth: 7, padTop: 1, padBottom: 2, padLeft: 3, padRight: 3 });
    // Stride larger than the window: no padding needed at all.
    expect(windowGeometry({ height: 7, width: 7, kernelSize: 1, strides: 3, padding: 'same' }))
      .toEqual({ outHeight: 3, outWidth: 3, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 });
    expect(windowGeometry({ height: 7, width: 6, kernelSize: [3, 2], strides: 2 }))
      .toEqual({ outHeight: 3, outWidth: 3, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 });
    expect(windowGeometry({ height: 9, width: 9, kernelSize: 3, dilationRate: 4 }))
      .toEqual({ outHeight: 1, outWidth: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 });
    // Explicit bottom/right default to top/left.
    expect(windowGeometry({ height: 4, width: 4, kernelSize: 3, padding: { top: 1, left: 2 } }))
      .toEqual({ outHeight: 4, outWidth: 6, padTop: 1, padBottom: 1, padLeft: 2, padRight: 2 });
  });
});

describe.each(hostBackends)('conv2d on $name', ({ index }) => {
  describe.each(CASES)('$name', (c) => {
    const g = geo(c);
    const sizes = { batch: c.B, height: c.H, width: c.W, channels: c.C, filters: c.K, kernelSize: c.kernelSize,
      strides: c.strides, dilationRate: c.dilationRate, padding: c.padding, backend: index };
    const x = rand(g.B * g.H * g.W * g.C, 1), w = rand(g.KH * g.KW * g.C * g.K, 2), bias = rand(g.K, 3);
    const r = rand(g.B * g.OH * g.OW * g.K, 4);

    it('forward matches float64, with and without bias', () => {
      const out = new Float32Array(r.length).fill(NaN);
      expect(conv2dForward({ ...sizes, inp: x, kernel: w, bias, out })).toBe(out);
      expectClose(out, forward64(g, x, w, bias), 5e-5, 5e-5, 'with bias');
      expectClose(conv2dForward({ ...sizes, inp: x, kernel: w }), forward64(g, x, w, null), 5e-5, 5e-5, 'without bias');
    });

    it('backward matches the float64 formulas and accumulates', () => {
      const dinp0 = rand(x.length, 5), dk0 = rand(w.length, 6), db0 = rand(g.K, 7);
      const want = { dinp: Float64Array.from(dinp0), dk: Float64Array.from(dk0), db: Float64Array.from(db0) };
      for (let i = 0; i < r.length; i++) want.db[i % g.K] += r[i];
      taps(g, (b, oh, ow, kh, kw, ih, iw) => {
        for (let ch = 0; ch < g.C; ch++)
          for (let k = 0; k < g.K; k++) {
            const go = r[((b * g.OH + oh) * g.OW + ow) * g.K + k], xi = ((b * g.H + ih) * g.W + iw) * g.C + ch;
            const wi = ((kh * g.KW + kw) * g.C + ch) * g.K + k;
            want.dinp[xi] += go * w[wi];
            want.dk[wi] += go * x[xi];
          }
      });
      const dinp = conv2dBackwardData({ ...sizes, dout: r, kernel: w, dinp: dinp0.slice() });
      const dkernel = dk0.slice(), dbias = db0.slice();
      conv2dBackwardFilter({ ...sizes, dout: r, inp: x, dkernel, dbias });
      expectClose(dinp, want.dinp, 5e-5, 5e-5, 'dinp');
      expectClose(dkernel, want.dk, 5e-5, 5e-5, 'dkernel');
      expectClose(dbias, want.db, 5e-5, 5e-5, 'dbias');
    });

    it('gradients agree with finite differences of the forward kernel', () => {
      const xx = x.slice(), ww = w.slice(), bb = bias.slice(), out = new Float32Array(r.length);
      const f = () => dot(conv2dForward({ ...sizes, inp: xx, kernel: ww, bias: bb, out }), r);
      const dinp = conv2dBackwardData({ ...sizes, dout: r, kernel: ww });
      const dbias = new Float32Array(g.K);
      const dkernel = conv2dBackwardFilter({ ...sizes, dout: r, inp: xx, dbias });
      expectClose(dinp, finiteDiff(xx, 1e-2, f), 2e-3, 0, 'dinp vs FD');
      expectClose(dkernel, finiteDiff(ww, 1e-2, f), 2e-3, 0, 'dkernel vs FD');
      expectClose(dbias, finiteDiff(bb, 1e-2, f), 2e-3, 0, 'dbias vs FD');
    });
  });

  it('a larger same conv (several GEMM tiles, threads) matches float64', () => {
    const c: Case = { name: 'big', B: 3, H: 13, W: 11, C: 7, K: 19, kernelSize: [3, 3], strides: [1, 1], dilationRate: [1, 1], padding: 'same' };
    const g = geo(c);
    const x = rand(g.B * g.H * g.W * g.C, 8), w = rand(g.KH * g.KW * g.C * g.K, 9), bias = rand(g.K, 10);
    const out = conv2dForward({ batch: c.B, height: c.H, width: c.W, channels: c.C, filters: c.K, kernelSize: 3, padding: 'same',
      inp: x, kernel: w, bias, backend: index });
    // Sums of 63 products: 1e-4 covers the float32 rounding of any summation order.
    expectClose(out, forward64(g, x, w, bias), 1e-4, 1e-4, 'big forward');
  });

  // The fused activation is an optimisation only: bit-for-bit activationForward on the linear
  // output, for each Keras name (with alpha and GELU's approximate), on the AVX2 direct path
  // (1 channel, 16 filters), the im2col + GEMM path (9 channels) and the 1×1 GEMM path.
  const FUSED: [ActivationName, { alpha?: number; approximate?: boolean }][] = [
    ['linear', {}], ['relu', {}], ['sigmoid', {}], ['tanh', {}], ['leakyRelu', {}], ['leakyRelu', { alpha: 0.3 }], ['elu', {}],
    ['gelu', {}], ['gelu', { approximate: true }], ['softplus', {}], ['silu', {}], ['swish', {}],
  ];
  it.each([[1, 16, 3], [9, 8, 3], [5, 6, 1]])('fused activations (C=%i, K=%i, %ix%i) equal the unfused ones bit for bit', (C, K, k) => {
    const sizes = { batch: 2, height: 7, width: 6, channels: C, filters: K, kernelSize: k, padding: 'same' as const, backend: index };
    const x = rand(2 * 7 * 6 * C, 11, -3, 3), w = rand(k * k * C * K, 12), bias = rand(K, 13);
    const linear = conv2dForward({ ...sizes, inp: x, kernel: w, bias });
    for (const [activation, opts] of FUSED) {
      const fused = conv2dForward({ ...sizes, inp: x, kernel: w, bias, activation, ...opts });
      const want = activationForward(activation, linear, undefined, { ...opts, backend: index });
      expect(Array.from(fused), `${activation} ${JSON.stringify(opts)}`).toEqual(Array.from(want));
    }
    // And relu really ran: negatives of the linear output are zero now.
    expect(conv2dForward({ ...sizes, inp: x, kernel: w, bias, activation: 'relu' }).every((v, i) => v === Math.max(linear[i], 0))).toBe(true);
  });

  it('a zero batch is a no-op', () => {
    const out = conv2dForward({ batch: 0, height: 3, width: 3, channels: 2, filters: 2, kernelSize: 3, inp: new Float32Array(0),
      kernel: new Float32Array(36), backend: index });
    expect(out.length).toBe(0);
  });
});
