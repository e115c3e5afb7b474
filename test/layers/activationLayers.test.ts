import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { ACTIVATION_NAMES, Activation, LeakyReLU, ReLU, Softmax } from '../../src/layers/index.js';
import { Runner, checkGradients, expectClose, expectThrows, rand } from './harness.js';
import { ACT, applyActivation } from './reference.js';

describe('Activation', () => {
  for (const name of ACTIVATION_NAMES) {
    it(`'${name}' matches float64 and its gradient matches finite differences`, () => {
      const layer = new Activation({ activation: name });
      const run = new Runner(layer, [3, 4], 2);
      const x = rand(run.inp.length, 1, -3, 3);
      expectClose(run.forward(x), applyActivation(name, Float64Array.from(x), 4), 2e-6, 2e-6, name);
      checkGradients(new Activation({ activation: name }), [3, 4], { batch: 2, seed: 2 });
    });
  }

  it('uses Keras parameters for names: leakyRelu 0.2, elu 1, gelu exact', () => {
    const run = new Runner(new Activation({ activation: 'leakyRelu' }), [2], 1);
    expect(Array.from(run.forward([-1, 2]))).toEqual([Math.fround(-0.2), 2]);
  });

  it('softmax and sigmoid are fusable with the input as pre-activation', () => {
    for (const name of ['softmax', 'sigmoid'] as const) {
      const layer = new Activation({ activation: name });
      const run = new Runner(layer, [5], 3);
      run.forward(rand(15, 3));
      expect(layer.fusableActivation()).toBe(name);
      expect(layer.preActivation(run.io)).toBe(run.inp);
      const g = rand(15, 4);
      expectClose(run.backward(g, { fromPreActivation: true })!, g, 0, 0, 'fused backward is the identity');
    }
    expect(new Activation({ activation: 'relu' }).fusableActivation()).toBeUndefined();
  });

  it('rejects unknown names, listing the valid ones', () => {
    expectThrows(() => new Activation({ activation: 'leaky_relu' as never, name: 'act' }), ValueError,
      `Activation "act": option "activation" expected one of ${ACTIVATION_NAMES.join(', ')}, received "leaky_relu".`);
  });
});

describe('ReLU / LeakyReLU / Softmax', () => {
  it('ReLU defaults to max(x, 0) and takes negativeSlope', () => {
    const x = rand(12, 5, -2, 2);
    expectClose(new Runner(new ReLU(), [6], 2).forward(x), x.map((v) => ACT.relu(v)), 0, 0, 'relu');
    expectClose(new Runner(new ReLU({ negativeSlope: 0.1 }), [6], 2).forward(x), x.map((v) => (v >= 0 ? v : Math.fround(0.1) * v)), 1e-7, 1e-6, 'slope');
    checkGradients(new ReLU({ negativeSlope: 0.1 }), [6], { batch: 2, h: 1e-3 });
    expect(new ReLU().name).toMatch(/^re_lu(_\d+)?$/);
    expectThrows(() => new ReLU({ negativeSlope: -1 }), ValueError, 'option "negativeSlope" expected a number >= 0');
  });

  it('LeakyReLU defaults to Keras 3 negative_slope 0.3', () => {
    const l = new LeakyReLU();
    expect(l.negativeSlope).toBe(0.3);
    expect(l.getConfig()).toMatchObject({ negativeSlope: 0.3 });
    expectClose(new Runner(l, [2], 1).forward([-1, 3]), [-0.3, 3], 1e-7, 1e-6, 'leaky');
    checkGradients(new LeakyReLU({ negativeSlope: 0.05 }), [6], { batch: 2, h: 1e-3 });
    expect(l.name).toMatch(/^leaky_re_lu(_\d+)?$/);
  });

  it('Softmax works on the last axis and is fusable', () => {
    const s = new Softmax();
    const run = new Runner(s, [2, 4], 3);
    const x = rand(24, 6, -3, 3);
    expectClose(run.forward(x), applyActivation('softmax', Float64Array.from(x), 4), 1e-6, 1e-6, 'softmax');
    expect(s.fusableActivation()).toBe('softmax');
    expect(s.preActivation(run.io)).toBe(run.inp);
    checkGradients(new Softmax(), [2, 4], { batch: 3 });
  });
});
