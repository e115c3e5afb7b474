// The engine contract every layer must keep: repeated steps give the same results (no stale
// workspace), a layer serves several batch sizes (the engine plans the full and the last partial
// batch), backward ACCUMULATES into dinp, and a null dinp is skipped.
import { describe, expect, it } from 'vitest';
import type { Layer } from '../../src/engine/layer.js';
import * as L from '../../src/layers/index.js';
import { Runner, expectClose, fillWeights, makeContext, rand } from './harness.js';

const FACTORIES: [string, () => Layer, number[]][] = [
  ['Dense softmax', () => new L.Dense({ units: 3, activation: 'softmax' }), [4]],
  ['Dense rank 3 tanh', () => new L.Dense({ units: 3, activation: 'tanh' }), [2, 4]],
  ['Conv2D same elu', () => new L.Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'elu' }), [5, 4, 2]],
  ['DepthwiseConv2D sigmoid', () => new L.DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2, activation: 'sigmoid' }), [4, 4, 2]],
  ['SeparableConv2D linear', () => new L.SeparableConv2D({ filters: 3, kernelSize: 3, padding: 'same' }), [5, 4, 2]],
  ['SeparableConv2D silu', () => new L.SeparableConv2D({ filters: 3, kernelSize: 3, strides: 2, activation: 'silu' }), [5, 5, 2]],
  ['MaxPooling2D', () => new L.MaxPooling2D(), [4, 4, 2]],
  ['AveragePooling2D same', () => new L.AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' }), [5, 4, 2]],
  ['GlobalAveragePooling2D', () => new L.GlobalAveragePooling2D(), [3, 3, 2]],
  ['GlobalMaxPooling2D', () => new L.GlobalMaxPooling2D({ keepdims: true }), [3, 3, 2]],
  ['Flatten', () => new L.Flatten(), [2, 3]],
  ['Reshape', () => new L.Reshape({ targetShape: [3, 2] }), [6]],
  ['BatchNormalization (inference)', () => new L.BatchNormalization(), [3, 2]],
  ['Activation softmax', () => new L.Activation({ activation: 'softmax' }), [5]],
  ['ReLU', () => new L.ReLU(), [5]],
  ['LeakyReLU', () => new L.LeakyReLU(), [5]],
  ['Softmax', () => new L.Softmax(), [5]],
  ['Rescaling', () => new L.Rescaling({ scale: 2 }), [5]],
  ['ZeroPadding2D', () => new L.ZeroPadding2D(), [2, 2, 1]],
  ['UpSampling2D', () => new L.UpSampling2D(), [2, 2, 1]],
  ['Dropout (inference)', () => new L.Dropout({ rate: 0.5 }), [5]],
  ['InputLayer', () => new L.InputLayer({ shape: [5] }), [5]],
];

describe('layer contract', () => {
  for (const [label, make, shape] of FACTORIES) {
    it(`${label}: repeatable, batch-size independent, accumulating`, () => {
      // Samples are independent here (inference for BatchNormalization and Dropout), so a batch of
      // 2 must reproduce the first 2 rows of a batch of 3 on the same layer.
      const training = !label.includes('(inference)');
      const layer = make();
      const big = new Runner(layer, shape, 3);
      fillWeights(layer, 4);
      const x = rand(big.inp.length, 5, -2, 2), r = rand(big.out.length, 6);
      const out1 = Float32Array.from(big.forward(x, training));
      const d1 = Float32Array.from(big.backward(r, { training })!);
      const g1 = layer.trainableWeights.map((w) => Float32Array.from(w.grad!));
      expectClose(big.forward(x, training), out1, 0, 0, 'second forward');
      expectClose(big.backward(r, { training })!, d1, 0, 0, 'second backward dinp');
      layer.trainableWeights.forEach((w, i) => expectClose(w.grad!, g1[i], 0, 0, `second backward d${w.name}`));

      // Accumulation: a backward on top of the last one doubles dinp and the weight gradients.
      big.dout.set(r);
      layer.backward(makeContext(big.batch, training), big.io, false);
      expectClose(big.dinp, d1.map((v) => 2 * v), 1e-6, 1e-6, 'dinp accumulates');
      layer.trainableWeights.forEach((w, i) => expectClose(w.grad!, g1[i].map((v) => 2 * v), 1e-6, 1e-6, `d${w.name} accumulates`));

      // null dinp: weight gradients only.
      big.backward(r, { training, withDinp: false });
      layer.trainableWeights.forEach((w, i) => expectClose(w.grad!, g1[i], 1e-7, 1e-6, `d${w.name} without dinp`));

      const small = new Runner(layer, shape, 2);
      const n = small.inp.length, m = small.out.length;
      expectClose(small.forward(x.subarray(0, n), training), out1.subarray(0, m), 1e-6, 1e-6, 'batch 2 forward');
      small.backward(r.subarray(0, m), { training });
      expectClose(small.dinp, d1.subarray(0, n), 1e-6, 1e-6, 'batch 2 dinp');
      // And back to batch 3 on its own workspace.
      expectClose(big.forward(x, training), out1, 0, 0, 'batch 3 again');
    });
  }
});

