import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { Conv2D, DepthwiseConv2D, SeparableConv2D } from '../../src/layers/index.js';
import { Runner, checkGradients, expectClose, expectThrows, fillWeights, rand } from './harness.js';
import { type Geo, applyActivation, conv2dRef, denseRef, depthwiseRef } from './reference.js';

const geo = (B: number, [H, W, C]: number[], k: [number, number], s: number, d: number, padding: 'valid' | 'same'): Geo =>
  ({ B, H, W, C, KH: k[0], KW: k[1], sh: s, sw: s, dh: d, dw: d, padding });

describe('Conv2D', () => {
  it('has Keras shapes, weight names and output sizes', () => {
    const c = new Conv2D({ filters: 32, kernelSize: 3 });
    expect(c.build([28, 28, 1])).toEqual([26, 26, 32]);
    expect(c.weights.map((w) => [w.name, w.shape])).toEqual([['kernel', [3, 3, 1, 32]], ['bias', [32]]]);
    expect(c.countParams()).toBe(320);
    expect(new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).computeOutputShape([7, 6, 3])).toEqual([4, 3, 4]);
    expect(new Conv2D({ filters: 4, kernelSize: [3, 2], dilationRate: 2 }).computeOutputShape([7, 6, 3])).toEqual([3, 4, 4]);
    expect(c.getConfig()).toMatchObject({ filters: 32, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', dilationRate: [1, 1] });
  });

  const cases: [string, number[], [number, number], number, number, 'valid' | 'same', 'linear' | 'relu' | 'tanh' | 'softmax'][] = [
    ['same stride 1 relu', [5, 6, 3], [3, 3], 1, 1, 'same', 'relu'],
    ['same stride 2 (odd pads)', [6, 7, 2], [3, 2], 2, 1, 'same', 'linear'],
    ['valid dilation 2 tanh', [7, 7, 2], [3, 3], 1, 2, 'valid', 'tanh'],
    ['valid 1x1 softmax', [3, 4, 5], [1, 1], 1, 1, 'valid', 'softmax'],
  ];
  for (const [label, shape, k, s, d, padding, activation] of cases) {
    it(`${label}: forward matches float64 and gradients match finite differences`, () => {
      const F = 4, B = 2;
      const layer = new Conv2D({ filters: F, kernelSize: k, strides: s, dilationRate: d, padding, activation });
      const run = new Runner(layer, shape, B);
      fillWeights(layer, 3);
      const x = rand(run.inp.length, 4);
      const want = applyActivation(activation, conv2dRef(x, layer.kernel!.value, layer.bias!.value, geo(B, shape, k, s, d, padding), F), F);
      expectClose(run.forward(x), want, 1e-5, 1e-5, label);
      // Finite differences straddle ReLU's kink too easily: check gradients with a smooth activation.
      const smooth = activation === 'relu' ? 'silu' : activation;
      checkGradients(new Conv2D({ filters: F, kernelSize: k, strides: s, dilationRate: d, padding, activation: smooth }), shape, { batch: B, seed: 5 });
    });
  }

  it('fuses a final sigmoid: fromPreActivation gives the linear conv gradient', () => {
    const layer = new Conv2D({ filters: 3, kernelSize: 2, activation: 'sigmoid', padding: 'same' });
    const lin = new Conv2D({ filters: 3, kernelSize: 2, padding: 'same' });
    const a = new Runner(layer, [4, 4, 2], 2), b = new Runner(lin, [4, 4, 2], 2);
    fillWeights(layer, 1);
    lin.kernel!.value.set(layer.kernel!.value);
    lin.bias!.value.set(layer.bias!.value);
    const x = rand(a.inp.length, 2);
    a.forward(x);
    const logits = Float32Array.from(b.forward(x));
    expect(layer.fusableActivation()).toBe('sigmoid');
    expectClose(layer.preActivation(a.io)!, logits, 0, 0, 'logits');
    const g = rand(a.out.length, 3);
    expectClose(a.backward(g, { fromPreActivation: true })!, b.backward(g)!, 1e-6, 1e-6, 'dinp');
    expectClose(layer.kernel!.grad!, lin.kernel!.grad!, 1e-6, 1e-6, 'dkernel');
  });

  it('rejects bad options and inputs', () => {
    expectThrows(() => new Conv2D({ filters: 0, kernelSize: 3 }), ValueError, 'option "filters" expected a positive integer');
    expectThrows(() => new Conv2D({ filters: 2, kernelSize: 0, name: 'c' }), ValueError, 'Conv2D "c": option "kernelSize" expected a positive integer, received 0.');
    expectThrows(() => new Conv2D({ filters: 2, kernelSize: [3] as never }), ValueError, 'option "kernelSize" expected a positive integer or [height, width]');
    expectThrows(() => new Conv2D({ filters: 2 } as never), ValueError, 'option "kernelSize"');
    expectThrows(() => new Conv2D({ filters: 2, kernelSize: 3, padding: 'causal' as never }), ValueError, `option "padding" expected 'valid' or 'same'`);
    expectThrows(() => new Conv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }), ValueError,
      'option "dilationRate" expected 1 when strides > 1');
    expectThrows(() => new Conv2D({ filters: 2, kernelSize: 3, name: 'c2' }).build([784]), ShapeError,
      'Conv2D "c2" expected input of rank 3 [height, width, channels], received shape [784].');
    expectThrows(() => new Conv2D({ filters: 2, kernelSize: 5 }).build([3, 8, 1]), ShapeError, 'height');
    const built = new Conv2D({ filters: 2, kernelSize: 3 });
    built.build([8, 8, 3]);
    expectThrows(() => built.build([8, 8, 1]), ShapeError, 'expected input with 3 channels, received shape [8, 8, 1]');
  });
});

describe('DepthwiseConv2D', () => {
  it('has Keras 3 weight names ("kernel") and shapes', () => {
    const d = new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2 });
    expect(d.build([6, 5, 3])).toEqual([4, 3, 6]);
    expect(d.weights.map((w) => [w.name, w.shape])).toEqual([['kernel', [3, 3, 3, 2]], ['bias', [6]]]);
    expect(d.depthwiseInitializer.className).toBe('GlorotUniform');
  });

  for (const [label, padding, s, d, M] of [['same M=2', 'same', 1, 1, 2], ['valid stride 2', 'valid', 2, 1, 1], ['same dilation 2', 'same', 1, 2, 3]] as const) {
    it(`${label}: forward matches float64 and gradients match finite differences`, () => {
      const B = 2, shape = [6, 5, 2];
      const layer = new DepthwiseConv2D({ kernelSize: 3, padding, strides: s, dilationRate: d, depthMultiplier: M, activation: 'elu' });
      const run = new Runner(layer, shape, B);
      fillWeights(layer, 8);
      const x = rand(run.inp.length, 9);
      const want = applyActivation('elu', depthwiseRef(x, layer.kernel!.value, layer.bias!.value, geo(B, shape, [3, 3], s, d, padding), M), 2 * M);
      expectClose(run.forward(x), want, 1e-5, 1e-5, label);
      checkGradients(layer, shape, { batch: B, seed: 10 });
    });
  }

  it('rejects a bad depthMultiplier', () => {
    expectThrows(() => new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 0 }), ValueError, 'option "depthMultiplier"');
  });
});

describe('SeparableConv2D', () => {
  it('has Keras weight names and shapes', () => {
    const s = new SeparableConv2D({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same' });
    expect(s.build([6, 5, 3])).toEqual([6, 5, 4]);
    expect(s.weights.map((w) => [w.name, w.shape])).toEqual([
      ['depthwise_kernel', [3, 3, 3, 2]], ['pointwise_kernel', [1, 1, 6, 4]], ['bias', [4]],
    ]);
    expect(s.countParams()).toBe(54 + 24 + 4);
  });

  for (const [label, padding, stride, activation] of [['same linear', 'same', 1, 'linear'], ['valid stride 2 relu', 'valid', 2, 'relu'], ['same softmax', 'same', 1, 'softmax']] as const) {
    it(`${label}: equals depthwise then pointwise in float64; gradients match finite differences`, () => {
      const B = 2, shape = [6, 5, 3], M = 2, F = 4;
      const layer = new SeparableConv2D({ filters: F, kernelSize: 3, padding, strides: stride, depthMultiplier: M, activation });
      const run = new Runner(layer, shape, B);
      fillWeights(layer, 12);
      const x = rand(run.inp.length, 13);
      const mid = depthwiseRef(x, layer.depthwiseKernel!.value, null, geo(B, shape, [3, 3], stride, 1, padding), M);
      const rows = mid.length / (3 * M);
      const want = applyActivation(activation, denseRef(mid, layer.pointwiseKernel!.value, layer.bias!.value, rows, 3 * M, F), F);
      expectClose(run.forward(x), want, 1e-5, 1e-5, label);
      const smooth = activation === 'relu' ? 'silu' : activation;
      checkGradients(new SeparableConv2D({ filters: F, kernelSize: 3, padding, strides: stride, depthMultiplier: M, activation: smooth }),
        shape, { batch: B, seed: 14 });
    });
  }
});
