// Activations and losses against the real Keras 3 (test/fixtures/keras_golden_activation_loss.json,
// produced by scripts/fixtures/make_loss_activation_golden.py), through the TS wrappers (so the
// Keras-name → kernel-kind mapping is checked too) on every backend.
//
// The fixture holds, per activation, y = act(x) and grad = d Σ(y·r)/dx; per loss, the
// per-sample values and the gradient of the "sum over batch size" loss with and without
// sample weights, including extreme inputs (clipping, ±300 logits, unnormalised probabilities).
// Tolerances: both sides are float32 with different op orders and exp/log implementations:
// values atol 1e-6 + rtol 2e-5, gradients atol 1e-6 + rtol 1e-4.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ActivationName, type LossName, activationBackward, activationForward, lossBackward, lossForward } from '../../src/native.js';
import { expectClose, hostBackends } from './helpers.js';

interface ActivationCase { name: string; kind: string; alpha: number; y: number[]; grad: number[] }
interface LossCase {
  name: string; kind: string; label_smoothing: number; B: number; C: number; sparse: boolean;
  target: number[]; pred: number[]; weight: number[]; loss: number[]; grad_weighted: number[]; grad_unweighted: number[];
  /** Huber cases only. */ delta?: number;
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_golden_activation_loss.json', import.meta.url), 'utf8')) as {
  keras: string;
  activations: { x: number[]; r: number[]; cases: ActivationCase[] };
  losses: LossCase[];
};

// kernels.h enum names → the wrappers' names (and the GELU form).
const ACTIVATIONS: Record<string, [ActivationName, boolean]> = {
  KERNO_ACT_LINEAR: ['linear', false], KERNO_ACT_RELU: ['relu', false], KERNO_ACT_SIGMOID: ['sigmoid', false],
  KERNO_ACT_TANH: ['tanh', false], KERNO_ACT_LEAKY_RELU: ['leakyRelu', false], KERNO_ACT_ELU: ['elu', false],
  KERNO_ACT_GELU_ERF: ['gelu', false], KERNO_ACT_GELU_TANH: ['gelu', true], KERNO_ACT_SOFTPLUS: ['softplus', false],
  KERNO_ACT_SILU: ['silu', false],
};
const LOSSES: Record<string, LossName> = {
  KERNO_LOSS_CATEGORICAL_CROSSENTROPY: 'categoricalCrossentropy',
  KERNO_LOSS_SOFTMAX_CROSSENTROPY: 'softmaxCrossentropy',
  KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY: 'sparseCategoricalCrossentropy',
  KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY: 'sparseSoftmaxCrossentropy',
  KERNO_LOSS_BINARY_CROSSENTROPY: 'binaryCrossentropy',
  KERNO_LOSS_SIGMOID_CROSSENTROPY: 'sigmoidCrossentropy',
  KERNO_LOSS_MEAN_SQUARED_ERROR: 'meanSquaredError',
  KERNO_LOSS_MEAN_ABSOLUTE_ERROR: 'meanAbsoluteError',
  KERNO_LOSS_HUBER: 'huber',
};

describe(`Keras ${golden.keras} golden activations and losses`, () => {
  it('covers every activation and loss kind', () => {
    expect(new Set(golden.activations.cases.map((c) => c.kind))).toEqual(new Set(Object.keys(ACTIVATIONS)));
    expect(new Set(golden.losses.map((c) => c.kind))).toEqual(new Set(Object.keys(LOSSES)));
  });

  describe.each(hostBackends)('on $name', ({ index }) => {
    const x = Float32Array.from(golden.activations.x), r = Float32Array.from(golden.activations.r);

    it.each(golden.activations.cases.map((c) => [c.name, c] as const))('activation %s', (_name, c) => {
      const [kind, approximate] = ACTIVATIONS[c.kind];
      const opts = { alpha: c.alpha, approximate, backend: index };
      const y = activationForward(kind, x, undefined, opts);
      expectClose(y, c.y, 1e-6, 2e-5, `${c.name} y`);
      const dinp = activationBackward(kind, { dout: r, inp: x, out: y, ...opts });
      expectClose(dinp, c.grad, 1e-6, 1e-4, `${c.name} grad`);
    });

    it.each(golden.losses.map((c) => [c.name, c] as const))('loss %s', (_name, c) => {
      const kind = LOSSES[c.kind];
      const args = {
        pred: Float32Array.from(c.pred), target: Float32Array.from(c.target), batch: c.B, classes: c.C,
        labelSmoothing: c.label_smoothing, delta: c.delta, backend: index,
      };
      expect(c.target.length).toBe(c.sparse ? c.B : c.B * c.C);
      expectClose(lossForward(kind, args), c.loss, 1e-6, 2e-5, `${c.name} loss`);
      expectClose(lossBackward(kind, args), c.grad_unweighted, 1e-6, 1e-4, `${c.name} grad`);
      expectClose(lossBackward(kind, { ...args, weight: Float32Array.from(c.weight) }), c.grad_weighted, 1e-6, 1e-4,
        `${c.name} weighted grad`);
    });
  });
});
