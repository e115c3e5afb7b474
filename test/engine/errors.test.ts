/**
 * Invalid calls throw typed errors in src/errors.ts's format, naming the argument, before any
 * native kernel runs (checked by spying on every compute function of the addon) and before any
 * optimizer step.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KernoError, ShapeError, ValueError } from '../../src/errors.js';
import type { Sequential } from '../../src/engine/sequential.js';
import { convAddon } from '../../src/nativeConv.js';
import { tensor } from '../../src/tensor.js';
import { blobs, mlp } from './helpers.js';

let calls = 0;
beforeEach(() => {
  calls = 0;
  const addon = convAddon() as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(addon)) {
    // firstNonFinite is the input validation itself (it reads x, writes nothing).
    if (typeof v === 'function' && !['backendInfo', 'getNumThreads', 'setNumThreads', 'firstNonFinite'].includes(k)) {
      vi.spyOn(addon as Record<string, (...a: unknown[]) => unknown>, k).mockImplementation(function (this: unknown, ...a: unknown[]) {
        calls++;
        return (v as (...a: unknown[]) => unknown).apply(this, a);
      });
    }
  }
});
afterEach(() => vi.restoreAllMocks());

function compiled(loss: 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' = 'categoricalCrossentropy'): Sequential {
  const m = mlp(3, 4, 3);
  m.compile({ optimizer: 'sgd', loss, metrics: ['accuracy'] });
  return m;
}

/** Expects `f` to reject/throw `type` matching `pattern`, with no native call and no optimizer step. */
async function rejects(model: Sequential, f: () => unknown, type: typeof KernoError, pattern: RegExp): Promise<void> {
  const before = calls;
  let error: unknown;
  try {
    await f();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${type.name} ${pattern}`).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(pattern);
  expect(calls - before, 'native calls before the error').toBe(0);
  expect(model.optimizer?.iterations ?? 0).toBe(0);
}

const { x, y, labels } = blobs(12, 3, 3);

describe('errors at the API boundary', () => {
  it('fit, evaluate and the batch methods require compile', async () => {
    const m = mlp(3, 4, 3);
    await rejects(m, () => m.fit(x, y), KernoError, /^fit: the model must be compiled first/);
    await rejects(m, () => m.evaluate(x, y), KernoError, /^evaluate: the model must be compiled first/);
    await rejects(m, () => m.trainOnBatch(x, y), KernoError, /^trainOnBatch: the model must be compiled first/);
  });

  it('unknown optimizer, loss and metric names list the valid ones', () => {
    const m = mlp(3, 4, 3);
    expect(() => m.compile({ optimizer: 'adamm' as 'adam', loss: 'categoricalCrossentropy' })).toThrow(
      /compile: option "optimizer" expected an Optimizer or one of 'sgd', 'adam'.*received "adamm"/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'crossentropy' as 'mse' })).toThrow(/compile: option "loss" expected .*'categoricalCrossentropy'/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy' as 'accuracy'] })).toThrow(/option "metrics.*'accuracy'/);
    expect(() => m.compile({ optimizer: 'adam' } as never)).toThrow(ValueError);
  });

  it('x/y length mismatch', async () => {
    const m = compiled();
    await rejects(m, () => m.fit(x, y.slice(0, 10), { verbose: 0 }), ShapeError,
      /^fit: argument "y" expected 12 samples \(as many as x\), received 10 \(shape \[10, 3\]\)/);
    await rejects(m, () => m.evaluate(x.slice(0, 5), y, { verbose: 0 }), ShapeError, /evaluate: argument "y" expected 5 samples/);
  });

  it('input shape not matching the model names the first layer', async () => {
    const m = compiled();
    const name = m.layers[0].name;
    await rejects(m, () => m.fit(tensor(new Float32Array(12 * 5), [12, 5]), y, { verbose: 0 }), ShapeError,
      new RegExp(`^fit: argument "x" \\(input of Dense "${name}", the first layer\\) expected shape \\[N, 3\\], received shape \\[12, 5\\]`));
    await rejects(m, () => m.predict(tensor(new Float32Array(6), [2, 3, 1]), { verbose: 0 }), ShapeError,
      /predict: argument "x" .* received shape \[2, 3, 1\]\. Reshape x to \[2, 3\]/);
  });

  it('y with the wrong number of classes for the loss', async () => {
    const m = compiled();
    await rejects(m, () => m.fit(x, tensor(new Float32Array(12 * 4), [12, 4]), { verbose: 0 }), ShapeError,
      /fit: argument "y" expected shape \[N, 3\] for loss 'categorical_crossentropy'.*received shape \[12, 4\]\. The model's last layer has 3 units but y has 4 classes/);
    await rejects(m, () => m.fit(x, tensor(labels), { verbose: 0 }), ShapeError, /sparseCategoricalCrossentropy', or toCategorical\(y, 3\)/);
    const s = compiled('sparseCategoricalCrossentropy');
    await rejects(s, () => s.fit(x, y, { verbose: 0 }), ShapeError, /class indices of shape \[N\] or \[N, 1\].*y looks one-hot/);
  });

  it('labels out of range for sparse losses', async () => {
    const m = compiled('sparseCategoricalCrossentropy');
    for (const bad of [3, -1, 1.5]) {
      const l = Float32Array.from(labels);
      l[7] = bad;
      await rejects(m, () => m.fit(x, l, { verbose: 0 }), ValueError,
        new RegExp(`fit: argument "y" expected class indices that are integers in \\[0, 3\\).*received ${bad} at sample 7`));
    }
  });

  it('batchSize must be a positive integer', async () => {
    const m = compiled();
    for (const bad of [0, -2, 2.5, '32']) {
      await rejects(m, () => m.fit(x, y, { batchSize: bad as number, verbose: 0 }), ValueError, /^fit: option "batchSize" expected a positive integer/);
    }
    await rejects(m, () => m.evaluate(x, y, { batchSize: 0 }), ValueError, /^evaluate: option "batchSize"/);
    await rejects(m, () => m.predict(x, { batchSize: -1 }), ValueError, /^predict: option "batchSize"/);
  });

  it('validationSplit outside (0, 1) or too small for the data', async () => {
    const m = compiled();
    for (const bad of [1, -0.1, 2, Number.NaN]) {
      await rejects(m, () => m.fit(x, y, { validationSplit: bad, verbose: 0 }), ValueError, /^fit: option "validationSplit" expected a number in \(0, 1\)/);
    }
    await rejects(m, () => m.fit(x, y, { validationSplit: 0.95, verbose: 0 }), ValueError, /a split leaving samples on both sides \(12 samples\)/);
  });

  it('NaN or Infinity in x', async () => {
    const m = compiled();
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      const d = Float32Array.from(x.data);
      d[3 * 4 + 1] = bad;
      const xb = tensor(d, [12, 3]);
      await rejects(m, () => m.fit(xb, y, { verbose: 0 }), ValueError, new RegExp(`^fit: argument "x" expected finite numbers, received ${bad} at sample 4`));
      await rejects(m, () => m.predict(xb, { verbose: 0 }), ValueError, /^predict: argument "x" expected finite numbers/);
      // Large inputs are scanned natively: same message, same position.
      const big = new Float32Array(700 * 3).fill(0.5);
      big[650 * 3 + 2] = bad;
      await rejects(m, () => m.predict(tensor(big, [700, 3]), { verbose: 0 }), ValueError,
        new RegExp(`^predict: argument "x" expected finite numbers, received ${bad} at sample 650 \\(flat index 1952\\)`));
    }
  });

  it('classWeight with sampleWeight, bad sample weights, bad options', async () => {
    const m = compiled();
    await rejects(m, () => m.fit(x, y, { classWeight: { 0: 2 }, sampleWeight: new Float32Array(12), verbose: 0 }), ValueError,
      /fit: option "classWeight" expected no sampleWeight alongside/);
    await rejects(m, () => m.fit(x, y, { sampleWeight: new Float32Array(11), verbose: 0 }), ShapeError,
      /fit: option "sampleWeight" expected shape \[12\]/);
    await rejects(m, () => m.fit(x, y, { classWeight: { a: 1 } as never, verbose: 0 }), ValueError, /classWeight" key expected a non-negative integer/);
    await rejects(m, () => m.fit(x, y, { epochs: -1, verbose: 0 }), ValueError, /fit: option "epochs" expected a non-negative integer/);
    await rejects(m, () => m.fit(x, y, { verbose: 3 as 0 }), ValueError, /fit: option "verbose" expected 0, 1, 2 or 'auto'/);
    await rejects(m, () => m.fit(x, y, { validationFreq: 0, verbose: 0 }), ValueError, /validationFreq/);
    await rejects(m, () => m.fit(x, y, { validationData: [x] as never, verbose: 0 }), ValueError, /validationData/);
  });

  it('datasets refuse array-only options', async () => {
    const m = compiled();
    async function* gen() { yield { x, y }; }
    await rejects(m, () => m.fit(gen(), { batchSize: 4 } as never), ValueError, /fit: option "batchSize" expected no value when x is a dataset/);
    await rejects(m, () => m.fit(gen(), { classWeight: { 0: 1 } } as never), ValueError, /classWeight/);
  });
});
