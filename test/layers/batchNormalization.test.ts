import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { BatchNormalization } from '../../src/layers/index.js';
import { Runner, checkGradients, expectClose, expectThrows, fillWeights, rand } from './harness.js';
import { batchnormRef, moments } from './reference.js';

describe('BatchNormalization', () => {
  it('has Keras weights (order, names, trainability) and defaults', () => {
    const bn = new BatchNormalization();
    expect(bn.build([5, 5, 8])).toEqual([5, 5, 8]);
    expect(bn.weights.map((w) => [w.name, w.shape, w.trainable, w.initializer.className])).toEqual([
      ['gamma', [8], true, 'Ones'], ['beta', [8], true, 'Zeros'],
      ['moving_mean', [8], false, 'Zeros'], ['moving_variance', [8], false, 'Ones'],
    ]);
    expect(bn.trainableWeights.map((w) => w.name)).toEqual(['gamma', 'beta']);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual(['moving_mean', 'moving_variance']);
    expect(bn.getConfig()).toMatchObject({ axis: -1, momentum: 0.99, epsilon: 1e-3, center: true, scale: true });
    expect(bn.name).toMatch(/^batch_normalization(_\d+)?$/);
    const bare = new BatchNormalization({ center: false, scale: false });
    bare.build([3]);
    expect(bare.weights.map((w) => w.name)).toEqual(['moving_mean', 'moving_variance']);
  });

  for (const [label, shape, opts] of [
    ['rank 4 NHWC', [3, 2, 4], { momentum: 0.9 }],
    ['rank 2, no scale', [5], { scale: false, epsilon: 0.01 }],
    ['rank 2, no center', [3], { center: false }],
  ] as const) {
    it(`${label}: training uses batch statistics and updates the moving ones (biased variance)`, () => {
      const B = 4, bn = new BatchNormalization(opts);
      const run = new Runner(bn, shape, B);
      fillWeights(bn, 2);
      const C = shape[shape.length - 1], N = run.inp.length / C;
      const mm0 = Float64Array.from(bn.movingMean!.value), mv0 = Float64Array.from(bn.movingVariance!.value);
      const x = rand(run.inp.length, 3, -2, 3);
      const { mean, variance } = moments(x, N, C);
      const eps = Math.fround(bn.epsilon);
      const g = bn.gamma ? bn.gamma.value : null, b = bn.beta ? bn.beta.value : null;
      expectClose(run.forward(x, true), batchnormRef(x, N, C, mean, variance, g, b, eps), 1e-5, 1e-5, 'train out');
      const m = bn.momentum;
      expectClose(bn.movingMean!.value, mm0.map((v, c) => v * m + mean[c] * (1 - m)), 1e-6, 1e-6, 'moving_mean');
      expectClose(bn.movingVariance!.value, mv0.map((v, c) => v * m + variance[c] * (1 - m)), 1e-6, 1e-6, 'moving_variance');
      // Inference: the (updated) moving statistics, and nothing moves.
      const mm1 = Float32Array.from(bn.movingMean!.value), mv1 = Float32Array.from(bn.movingVariance!.value);
      expectClose(run.forward(x, false), batchnormRef(x, N, C, mm1, mv1, g, b, eps), 1e-5, 1e-5, 'infer out');
      expect(bn.movingMean!.value).toEqual(mm1);
      expect(bn.movingVariance!.value).toEqual(mv1);
      checkGradients(new BatchNormalization(opts), shape, { batch: B, seed: 4 });
    });
  }

  it('a frozen layer runs in inference mode while training (Keras 3) and back-propagates through constants', () => {
    const B = 3, shape = [2, 3];
    const bn = new BatchNormalization();
    bn.trainable = false;
    const run = new Runner(bn, shape, B);
    fillWeights(bn, 6);
    const mm = Float32Array.from(bn.movingMean!.value), mv = Float32Array.from(bn.movingVariance!.value);
    const x = rand(run.inp.length, 7);
    const want = batchnormRef(x, B * 2, 3, mm, mv, bn.gamma!.value, bn.beta!.value, Math.fround(1e-3));
    expectClose(run.forward(x, true), want, 1e-5, 1e-5, 'frozen out');
    expect(bn.movingMean!.value).toEqual(mm);
    expect(bn.trainableWeights).toEqual([]);
    checkGradients(bn, shape, { batch: B, seed: 8 });
  });

  it('rejects bad options and inputs', () => {
    expectThrows(() => new BatchNormalization({ momentum: 1.5 }), ValueError, 'option "momentum" expected a number in [0, 1], received 1.5.');
    expectThrows(() => new BatchNormalization({ epsilon: 0 }), ValueError, 'option "epsilon"');
    expectThrows(() => new BatchNormalization({ gammaInitializer: 'one' as never }), ValueError, 'option "gammaInitializer"');
    const bn = new BatchNormalization({ name: 'bn' });
    bn.build([4, 4, 3]);
    expectThrows(() => bn.build([4, 4, 2]), ShapeError, 'BatchNormalization "bn" expected input with 3 channels on the last axis, received shape [4, 4, 2].');
  });
});
