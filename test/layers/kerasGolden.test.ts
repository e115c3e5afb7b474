// Replays test/fixtures/keras_layers_golden.json (scripts/fixtures/make_layers_golden.py, Keras
// 3.15.1 on TensorFlow 2.21): each kerno layer, given Keras's options and weights, must reproduce
// Keras's output, the gradients of Σ out·r and, for BatchNormalization, the moving statistics.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Layer } from '../../src/engine/layer.js';
import * as layers from '../../src/layers/index.js';
import { Runner, expectClose } from './harness.js';

interface GoldenCase {
  name: string;
  className: string;
  options: Record<string, unknown>;
  inputShape: number[];
  batch: number;
  training: boolean;
  outputShape: number[];
  x: number[];
  weights: Record<string, number[]>;
  weightShapes: Record<string, number[]>;
  r: number[];
  out: number[];
  grads: Record<string, number[]>;
  after?: { moving_mean: number[]; moving_variance: number[] };
  inferOut?: number[];
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_layers_golden.json', import.meta.url), 'utf8')) as {
  keras: string;
  cases: GoldenCase[];
};

function make(c: GoldenCase): Layer {
  const Ctor = (layers as unknown as Record<string, new (a: unknown) => Layer>)[c.className];
  if (!Ctor) throw new Error(`no kerno layer ${c.className}`);
  return new Ctor(c.options);
}

// float32 on both sides; the kernels' exp/tanh/erf are vectorised approximations.
const ATOL = 2e-5, RTOL = 2e-4;

describe(`Keras ${golden.keras} layer golden values`, () => {
  it('covers the layers the issue lists', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of golden.cases) {
    it(c.name, () => {
      const layer = make(c);
      // Keras inference-mode BatchNormalization = a frozen kerno layer while training.
      const frozenBn = c.className === 'BatchNormalization' && !c.training;
      if (frozenBn) layer.trainable = false;
      expect(layer.build(c.inputShape)).toEqual(c.outputShape);
      expect(Object.fromEntries(layer.weights.map((w) => [w.name, [...w.shape]]))).toEqual(c.weightShapes);
      for (const w of layer.weights) w.value.set(c.weights[w.name]);
      const run = new Runner(layer, c.inputShape, c.batch);
      const training = c.training || frozenBn;
      expectClose(run.forward(c.x, training), c.out, ATOL, RTOL, `${c.name} out`);
      const dinp = run.backward(c.r, { training })!;
      expectClose(dinp, c.grads.x, ATOL, RTOL, `${c.name} dx`);
      for (const w of layer.trainableWeights) expectClose(w.grad!, c.grads[w.name], ATOL, RTOL, `${c.name} d${w.name}`);
      if (c.after) {
        const bn = layer as layers.BatchNormalization;
        expectClose(bn.movingMean!.value, c.after.moving_mean, 1e-6, 1e-5, 'moving_mean');
        expectClose(bn.movingVariance!.value, c.after.moving_variance, 1e-6, 1e-5, 'moving_variance');
        expectClose(run.forward(c.x, false), c.inferOut!, ATOL, RTOL, `${c.name} inference out`);
      }
    });
  }
});
