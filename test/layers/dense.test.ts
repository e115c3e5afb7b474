import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { ACTIVATION_NAMES, Dense } from '../../src/layers/index.js';
import { L2 } from '../../src/regularizers.js';
import { Runner, checkGradients, expectClose, expectThrows, fillWeights, makeContext, rand } from './harness.js';
import { applyActivation, denseRef } from './reference.js';

describe('Dense', () => {
  it('has Keras shapes, weight names and defaults', () => {
    const d = new Dense({ units: 10 });
    expect(d.build([784])).toEqual([10]);
    expect(d.weights.map((w) => [w.name, w.shape])).toEqual([['kernel', [784, 10]], ['bias', [10]]]);
    expect(d.countParams()).toBe(7850);
    expect(d.kernelInitializer.className).toBe('GlorotUniform');
    expect(d.biasInitializer.className).toBe('Zeros');
    expect(d.activation).toBe('linear');
    expect(d.workspaceSize(32)).toBe(0);
    expect(d.name).toMatch(/^dense(_\d+)?$/);
    const cfg = d.getConfig();
    expect(cfg).toMatchObject({ units: 10, activation: 'linear', useBias: true, kernelRegularizer: null });
    expect(cfg.kernelInitializer).toMatchObject({ className: 'GlorotUniform' });
  });

  it('works on the last axis of a higher-rank input, as Keras', () => {
    const d = new Dense({ units: 4, useBias: false });
    expect(d.build([3, 5])).toEqual([3, 4]);
    expect(d.weights.map((w) => w.name)).toEqual(['kernel']);
  });

  it('takes regularizers by name and instance', () => {
    const d = new Dense({ units: 2, kernelRegularizer: 'l2', biasRegularizer: new L2({ l2: 0.5 }) });
    d.build([3]);
    expect(d.kernel!.regularizer?.className).toBe('L2');
    expect(d.bias!.regularizer?.getConfig()).toMatchObject({ l2: 0.5 });
  });

  for (const activation of ACTIVATION_NAMES) {
    it(`forward with '${activation}' matches a float64 reference`, () => {
      const B = 3, I = 5, U = 4;
      const d = new Dense({ units: U, activation });
      const run = new Runner(d, [I], B);
      fillWeights(d, 11);
      const x = rand(B * I, 12, -2, 2);
      const got = run.forward(x);
      const want = applyActivation(activation, denseRef(x, d.kernel!.value, d.bias!.value, B, I, U), U);
      expectClose(got, want, 1e-5, 1e-5, activation);
      expect(d.workspaceSize(B)).toBe(activation === 'linear' ? 0 : 2 * B * U);
    });
  }

  for (const activation of ['linear', 'relu', 'sigmoid', 'softmax', 'gelu', 'elu'] as const) {
    it(`gradients with '${activation}' match finite differences`, () => {
      checkGradients(new Dense({ units: 3, activation }), [4], { batch: 3, seed: 20 });
    });
  }

  it('gradients on a rank-3 input match finite differences', () => {
    checkGradients(new Dense({ units: 3, activation: 'tanh' }), [2, 4], { batch: 2, seed: 21 });
  });

  for (const activation of ['softmax', 'sigmoid'] as const) {
    it(`fuses '${activation}': preActivation holds the logits and fromPreActivation skips the activation`, () => {
      const B = 4, I = 3, U = 5;
      const d = new Dense({ units: U, activation });
      expect(d.fusableActivation()).toBe(activation);
      const run = new Runner(d, [I], B);
      fillWeights(d, 5);
      const x = rand(B * I, 6);
      run.forward(x);
      const pre = d.preActivation(run.io)!;
      expect(pre.length).toBe(B * U);
      expectClose(pre, denseRef(x, d.kernel!.value, d.bias!.value, B, I, U), 1e-5, 1e-5, 'logits');
      expect(d.preActivation(run.io)).toBe(pre); // cached view, no allocation per call
      // A loss gradient w.r.t. the logits, pushed through the fused and the unfused chain.
      const g = rand(B * U, 8);
      const dinpFused = Float32Array.from(run.backward(g, { fromPreActivation: true })!);
      const dkFused = Float32Array.from(d.kernel!.grad!);
      // With fromPreActivation the gradient goes straight into the linear part: the same as a
      // Dense without activation fed the same gradient.
      const lin = new Dense({ units: U });
      const run2 = new Runner(lin, [I], B);
      lin.kernel!.value.set(d.kernel!.value);
      lin.bias!.value.set(d.bias!.value);
      run2.forward(x);
      expectClose(dinpFused, run2.backward(g)!, 1e-6, 1e-6, 'dinp');
      expectClose(dkFused, lin.kernel!.grad!, 1e-6, 1e-6, 'dkernel');
    });
  }

  it('fused softmax + crossentropy gradient equals the unfused chain', () => {
    // dL/dlogits = softmax − y for L = −Σ y log softmax; unfused, dL/dout = −y/p goes through the
    // softmax backward. Both must give the same input and kernel gradients.
    const B = 3, I = 4, U = 5;
    const d = new Dense({ units: U, activation: 'softmax' });
    const run = new Runner(d, [I], B);
    fillWeights(d, 9);
    const x = rand(B * I, 10);
    const p = Float32Array.from(run.forward(x));
    const y = new Float32Array(B * U);
    for (let b = 0; b < B; b++) y[b * U + (b % U)] = 1;
    const dlogits = p.map((v, i) => v - y[i]);
    const dprob = p.map((v, i) => -y[i] / v);
    const fused = Float32Array.from(run.backward(dlogits, { fromPreActivation: true })!);
    const fusedK = Float32Array.from(d.kernel!.grad!), fusedB = Float32Array.from(d.bias!.grad!);
    const unfused = run.backward(dprob, { fromPreActivation: false })!;
    expectClose(fused, unfused, 1e-5, 1e-4, 'dinp');
    expectClose(fusedK, d.kernel!.grad!, 1e-5, 1e-4, 'dkernel');
    expectClose(fusedB, d.bias!.grad!, 1e-5, 1e-4, 'dbias');
  });

  it('accumulates into dinp and the weight gradients, and skips dinp when null', () => {
    const d = new Dense({ units: 2, activation: 'relu' });
    const run = new Runner(d, [3], 2);
    fillWeights(d, 1);
    run.forward(rand(6, 2));
    const g = rand(4, 3);
    const once = Float32Array.from(run.backward(g)!);
    const k1 = Float32Array.from(d.kernel!.grad!);
    // Second backward without zeroing: doubles.
    run.dout.set(g);
    d.backward(makeContext(2, true), run.io, false);
    expectClose(run.dinp, once.map((v) => 2 * v), 1e-6, 1e-6, 'dinp accumulates');
    expectClose(d.kernel!.grad!, k1.map((v) => 2 * v), 1e-6, 1e-6, 'dkernel accumulates');
    run.backward(g, { withDinp: false });
    expectClose(d.kernel!.grad!, k1, 1e-6, 1e-6, 'dkernel without dinp');
  });

  it('rejects bad options with the layer and option named', () => {
    expectThrows(() => new Dense({ units: 0, name: 'd0' }), ValueError, 'Dense "d0": option "units" expected a positive integer, received 0.');
    expectThrows(() => new Dense({ units: 2.5 }), ValueError, 'option "units"');
    expectThrows(() => new Dense({ units: 2, activation: 'relu6' as never }), ValueError,
      'option "activation" expected one of linear, relu, sigmoid, tanh, softmax, leakyRelu, elu, gelu, softplus, silu, swish, received "relu6".');
    expectThrows(() => new Dense({ units: 2, kernelInitializer: 'glorot' as never }), ValueError, 'option "kernelInitializer"', "'glorotUniform'");
    expectThrows(() => new Dense({ units: 2, kernelRegularizer: 'l3' as never }), ValueError, 'option "kernelRegularizer"');
    expectThrows(() => new Dense({ units: 2, useBias: 1 as never }), ValueError, 'option "useBias" expected a boolean');
    expectThrows(() => new Dense({ units: 2, seed: -1 }), ValueError, 'option "seed"');
  });

  it('rejects an input that does not fit its kernel', () => {
    const d = new Dense({ units: 10, name: 'dense_check' });
    d.build([784]);
    expectThrows(() => d.build([28, 28]), ShapeError,
      'Dense "dense_check" expected input with 784 features, received shape [28, 28]. Add a Flatten layer or set inputShape.');
    expectThrows(() => new Dense({ units: 1 }).build([]), ShapeError, 'received shape []');
  });
});
