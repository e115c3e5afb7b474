// Replays the Keras golden fixtures (test/fixtures/keras_golden_conv.json, keras_golden_pool_bn.json,
// made by scripts/fixtures/make_conv_golden.py and make_pool_bn_golden.py with Keras 3.15.1 on
// TensorFlow 2.21) through the TS wrappers on every host backend: the Keras geometry must match
// the fixture's output size and pads, and outputs, gradients of Σ out·r and moving statistics
// must match Keras.
//
// Tolerances: both sides are float32 with different summation orders; values reach ~10, so
// atol 1e-4 + rtol 1e-4.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as conv from '../../src/nativeConv.js';
import * as layersNative from '../../src/nativeLayers.js';
import { expectClose, hostBackends } from './helpers.js';

const load = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const F = (a: number[]) => Float32Array.from(a);
const TOL = [1e-4, 1e-4] as const;

interface ConvCase {
  name: string; depthwise: boolean; B: number; H: number; W: number; C: number; K: number; KH: number; KW: number;
  stride_h: number; stride_w: number; dilation_h: number; dilation_w: number; padding: 'valid' | 'same';
  OH: number; OW: number; pad_top: number; pad_left: number;
  x: number[]; kernel: number[]; bias: number[]; r: number[]; out: number[]; dx: number[]; dkernel: number[]; dbias: number[];
}
interface PoolCase {
  name: string; is_max: boolean; B: number; H: number; W: number; C: number; OH: number; OW: number; KH: number; KW: number;
  stride_h: number; stride_w: number; padding: 'valid' | 'same'; pad_top: number; pad_left: number; x: number[]; r: number[]; out: number[]; dx: number[];
}
interface GlobalCase { name: string; is_max: boolean; B: number; S: number; C: number; x: number[]; r: number[]; out: number[]; dx: number[] }
interface BnCase {
  name: string; N: number; C: number; momentum: number; epsilon: number; affine: boolean;
  x: number[]; gamma: number[] | null; beta: number[] | null; moving_mean0: number[]; moving_var0: number[]; r: number[];
  out: number[]; dx: number[]; dgamma: number[] | null; dbeta: number[] | null; moving_mean: number[]; moving_var: number[]; infer_out: number[];
}

const convCases = (load('keras_golden_conv.json') as { cases: ConvCase[] }).cases;
const poolBn = load('keras_golden_pool_bn.json') as { pool: PoolCase[]; global_pool: GlobalCase[]; batchnorm: BnCase[] };

describe.each(hostBackends)('Keras goldens on $name', ({ index }) => {
  it.each(convCases)('conv $name', (c) => {
    const window = { height: c.H, width: c.W, kernelSize: [c.KH, c.KW] as [number, number], strides: [c.stride_h, c.stride_w] as [number, number],
      dilationRate: [c.dilation_h, c.dilation_w] as [number, number], padding: c.padding };
    const g = conv.windowGeometry(window);
    expect([g.outHeight, g.outWidth, g.padTop, g.padLeft]).toEqual([c.OH, c.OW, c.pad_top, c.pad_left]);
    const sizes = { ...window, batch: c.B, channels: c.C, backend: index };
    const x = F(c.x), kernel = F(c.kernel), bias = F(c.bias), r = F(c.r);
    if (c.depthwise) {
      const dw = { ...sizes, depthMultiplier: c.K };
      expectClose(conv.depthwiseConv2dForward({ ...dw, inp: x, kernel, bias }), c.out, ...TOL, 'out');
      const dinp = new Float32Array(x.length), dkernel = new Float32Array(kernel.length), dbias = new Float32Array(bias.length);
      conv.depthwiseConv2dBackward({ ...dw, dout: r, inp: x, kernel, dinp, dkernel, dbias });
      expectClose(dinp, c.dx, ...TOL, 'dx');
      expectClose(dkernel, c.dkernel, ...TOL, 'dkernel');
      expectClose(dbias, c.dbias, ...TOL, 'dbias');
    } else {
      const cv = { ...sizes, filters: c.K };
      expectClose(conv.conv2dForward({ ...cv, inp: x, kernel, bias }), c.out, ...TOL, 'out');
      expectClose(conv.conv2dBackwardData({ ...cv, dout: r, kernel }), c.dx, ...TOL, 'dx');
      const dbias = new Float32Array(c.K);
      expectClose(conv.conv2dBackwardFilter({ ...cv, dout: r, inp: x, dbias }), c.dkernel, ...TOL, 'dkernel');
      expectClose(dbias, c.dbias, ...TOL, 'dbias');
    }
  });

  it.each(poolBn.pool)('pool $name', (c) => {
    const sizes = { batch: c.B, height: c.H, width: c.W, channels: c.C, poolSize: [c.KH, c.KW] as [number, number],
      strides: [c.stride_h, c.stride_w] as [number, number], padding: c.padding, backend: index };
    const g = conv.windowGeometry({ ...sizes, kernelSize: sizes.poolSize });
    expect([g.outHeight, g.outWidth, g.padTop, g.padLeft]).toEqual([c.OH, c.OW, c.pad_top, c.pad_left]);
    const x = F(c.x), r = F(c.r);
    if (c.is_max) {
      expectClose(conv.maxPool2dForward({ ...sizes, inp: x }), c.out, ...TOL, 'out');
      expectClose(conv.maxPool2dBackward({ ...sizes, dout: r, inp: x }), c.dx, ...TOL, 'dx');
    } else {
      expectClose(conv.avgPool2dForward({ ...sizes, inp: x }), c.out, ...TOL, 'out');
      expectClose(conv.avgPool2dBackward({ ...sizes, dout: r }), c.dx, ...TOL, 'dx');
    }
  });

  it.each(poolBn.global_pool)('$name', (c) => {
    const kind = c.is_max ? 'max' : 'avg';
    // The fixture gives S = H·W; any factorisation is the same op.
    const sizes = { batch: c.B, height: c.S, width: 1, channels: c.C, backend: index };
    expectClose(conv.globalPool2dForward(kind, { ...sizes, inp: F(c.x) }), c.out, ...TOL, 'out');
    expectClose(conv.globalPool2dBackward(kind, { ...sizes, dout: F(c.r), inp: F(c.x) }), c.dx, ...TOL, 'dx');
  });

  it.each(poolBn.batchnorm)('batchnorm $name', (c) => {
    const base = { rows: c.N, channels: c.C, epsilon: c.epsilon, backend: index };
    const gamma = c.gamma ? F(c.gamma) : null, beta = c.beta ? F(c.beta) : null;
    const movingMean = F(c.moving_mean0), movingVar = F(c.moving_var0);
    const savedMean = new Float32Array(c.C), savedInvstd = new Float32Array(c.C), x = F(c.x);
    const out = layersNative.batchnormForwardTrain({ ...base, inp: x, gamma, beta, momentum: c.momentum, movingMean, movingVar, savedMean, savedInvstd });
    expectClose(out, c.out, ...TOL, 'out');
    expectClose(movingMean, c.moving_mean, ...TOL, 'moving_mean');
    expectClose(movingVar, c.moving_var, ...TOL, 'moving_var');
    const dinp = new Float32Array(x.length), dgamma = new Float32Array(c.C), dbeta = new Float32Array(c.C);
    layersNative.batchnormBackward({ ...base, dout: F(c.r), inp: x, gamma, savedMean, savedInvstd, dinp, dgamma, dbeta });
    expectClose(dinp, c.dx, ...TOL, 'dx');
    if (c.dgamma && c.dbeta) {
      expectClose(dgamma, c.dgamma, ...TOL, 'dgamma');
      expectClose(dbeta, c.dbeta, ...TOL, 'dbeta');
    }
    expectClose(layersNative.batchnormForwardInfer({ ...base, inp: x, gamma, beta, movingMean, movingVar }), c.infer_out, ...TOL, 'infer_out');
  });
});
