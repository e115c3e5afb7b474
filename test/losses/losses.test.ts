// Loss classes: name resolution, Keras defaults and options, the native kinds they name, and that
// the logits kind of each crossentropy equals its probability kind after the fused activation
// (what the engine relies on when it fuses softmax/sigmoid into the loss).
import { describe, expect, it } from 'vitest';
import { KernoError, ValueError } from '../../src/errors.js';
import {
  BinaryCrossentropy, CategoricalCrossentropy, type Loss, MeanAbsoluteError, MeanSquaredError,
  SparseCategoricalCrossentropy, getLoss, lossNames,
} from '../../src/losses/index.js';
import { loadAddon } from '../../src/native.js';

const addon = loadAddon();
const backend = addon.backendInfo().defaultBackend;

describe('getLoss', () => {
  it.each([
    ['categoricalCrossentropy', 'CategoricalCrossentropy', 'categorical_crossentropy', 'categorical', 'softmax', [0, 1]],
    ['sparseCategoricalCrossentropy', 'SparseCategoricalCrossentropy', 'sparse_categorical_crossentropy', 'sparse', 'softmax', [2, 3]],
    ['binaryCrossentropy', 'BinaryCrossentropy', 'binary_crossentropy', 'elementwise', 'sigmoid', [4, 5]],
    ['meanSquaredError', 'MeanSquaredError', 'mean_squared_error', 'elementwise', undefined, [6]],
    ['mse', 'MeanSquaredError', 'mean_squared_error', 'elementwise', undefined, [6]],
    ['meanAbsoluteError', 'MeanAbsoluteError', 'mean_absolute_error', 'elementwise', undefined, [7]],
    ['mae', 'MeanAbsoluteError', 'mean_absolute_error', 'elementwise', undefined, [7]],
    ['huber', 'Huber', 'huber_loss', 'elementwise', undefined, [8]],
  ] as const)('%s → %s (%s, %s targets, fuses with %s, kinds %j)', (id, cls, name, target, fuses, kinds) => {
    const l = getLoss(id);
    expect([l.className, l.name, l.targetKind, l.fusesWith(), l.fromLogits, l.labelSmoothing])
      .toEqual([cls, name, target, fuses, false, 0]);
    expect(l.nativeKind(false)).toBe(kinds[0]);
    if (kinds.length > 1) expect(l.nativeKind(true)).toBe(kinds[1]);
    else expect(() => l.nativeKind(true)).toThrow(KernoError);
  });

  it('returns instances as they are and lists the valid names for unknown ones', () => {
    const l = new BinaryCrossentropy({ fromLogits: true });
    expect(getLoss(l)).toBe(l);
    expect(() => getLoss('huberLoss' as never)).toThrow(ValueError);
    expect(() => getLoss('categorical_crossentropy' as never))
      .toThrow(/compile: option "loss" expected a Loss or one of 'categoricalCrossentropy', .*'mse', 'mae', 'huber'/);
    expect(lossNames).toHaveLength(8);
  });
});

describe('options', () => {
  it('fromLogits turns fusion off (the model already outputs logits)', () => {
    expect(new CategoricalCrossentropy({ fromLogits: true }).fusesWith()).toBeUndefined();
    expect(new SparseCategoricalCrossentropy({ fromLogits: true }).fusesWith()).toBeUndefined();
    expect(new BinaryCrossentropy({ fromLogits: true }).fusesWith()).toBeUndefined();
  });

  it('validates labelSmoothing and fromLogits', () => {
    expect(new CategoricalCrossentropy({ labelSmoothing: 0.1 }).getConfig())
      .toEqual({ name: 'categorical_crossentropy', fromLogits: false, labelSmoothing: 0.1 });
    expect(() => new BinaryCrossentropy({ labelSmoothing: 1.5 })).toThrow(/labelSmoothing" expected a number in \[0, 1\]/);
    expect(() => new CategoricalCrossentropy({ fromLogits: 'yes' as never })).toThrow(/fromLogits" expected a boolean/);
  });
});

/** Per-sample native loss of `loss` on pred, with its probability or logits kind. */
function nativeLoss(loss: Loss, logits: boolean, pred: Float32Array, target: Float32Array, B: number, C: number): Float32Array {
  const out = new Float32Array(B);
  addon.lossForward(backend, out, pred, target, B, C, loss.nativeKind(logits), loss.labelSmoothing);
  return out;
}

describe('fused kinds agree with the probability kinds', () => {
  const B = 3, C = 4;
  const z = Float32Array.from({ length: B * C }, (_, i) => Math.sin(i * 1.7) * 2);
  const softmax = new Float32Array(B * C);
  addon.softmaxForward(backend, softmax, z, B, C);
  const sigmoid = z.map((v) => 1 / (1 + Math.exp(-v)));
  const onehot = Float32Array.from({ length: B * C }, (_, i) => (i % C === (i / C | 0) ? 1 : 0));
  const index = Float32Array.from([0, 1, 2]);

  it.each([
    ['categorical', new CategoricalCrossentropy({ labelSmoothing: 0.1 }), softmax, onehot],
    ['sparse', new SparseCategoricalCrossentropy(), softmax, index],
    ['binary', new BinaryCrossentropy({ labelSmoothing: 0.2 }), sigmoid, onehot],
  ] as const)('%s crossentropy', (_n, loss, probs, target) => {
    const fromProbs = nativeLoss(loss, false, probs, target, B, C);
    const fromLogits = nativeLoss(loss, true, z, target, B, C);
    fromProbs.forEach((v, i) => expect(fromLogits[i]).toBeCloseTo(v, 5));
  });

  it('MSE and MAE match their formulas', () => {
    const t = onehot;
    const mse = nativeLoss(new MeanSquaredError(), false, sigmoid, t, B, C);
    const mae = nativeLoss(new MeanAbsoluteError(), false, sigmoid, t, B, C);
    for (let i = 0; i < B; i++) {
      let s = 0, a = 0;
      for (let c = 0; c < C; c++) { const d = sigmoid[i * C + c] - t[i * C + c]; s += d * d; a += Math.abs(d); }
      expect(mse[i]).toBeCloseTo(s / C, 6);
      expect(mae[i]).toBeCloseTo(a / C, 6);
    }
  });
});
