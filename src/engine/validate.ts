/**
 * Input validation for fit/evaluate/predict and the batch methods, run before any native call.
 * Messages follow src/errors.ts: `<where> expected <what>, received <what>.` plus a hint.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { loadAddon } from '../native.js';
import type { TargetKind } from '../losses/loss.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import type { Layer } from './layer.js';
import { sizeOf } from './plan.js';

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** `<where> expected <expected>, received <received>.` with `received` already worded. */
export function mismatch(where: string, expected: string, received: string, hint?: string): string {
  return `${where} expected ${expected}, received ${received}.${hint ? ' ' + hint : ''}`;
}

/** `fit: argument "x"`. */
export function arg(method: string, name: string): string {
  return `${method}: argument "${name}"`;
}

/** `fit: option "batchSize"`. */
export function opt(method: string, name: string): string {
  return `${method}: option "${name}"`;
}

export function positiveInt(where: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return v;
  throw new ValueError(expectedMessage(where, 'a positive integer', v));
}

export function nonNegativeInt(where: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new ValueError(expectedMessage(where, 'a non-negative integer', v));
}

/** Keras verbose: 0, 1, 2 or 'auto' (= 1). */
export function verbosity(where: string, v: unknown): number {
  if (v === undefined || v === 'auto') return 1;
  if (v === 0 || v === 1 || v === 2) return v;
  throw new ValueError(expectedMessage(where, "0, 1, 2 or 'auto'", v));
}

/** Converts to a Tensor with at least one axis (the samples). */
export function samples(x: unknown, where: string): Tensor {
  if (x === undefined || x === null) throw new ValueError(expectedMessage(where, 'a Tensor, a typed array or nested arrays of numbers', x));
  const t = toTensor(x as TensorLike, where);
  if (t.rank === 0) throw new ShapeError(mismatch(where, 'a tensor with a samples axis', 'a scalar'));
  return t;
}

/** Throws when a float tensor holds NaN or ±Infinity (integer tensors cannot). */
export function checkFinite(t: Tensor, where: string): void {
  const d = t.data;
  if (!(d instanceof Float32Array)) return;
  const i = firstNonFinite(d);
  if (i < 0) return;
  const row = t.shape[0] ? Math.floor(i / (d.length / t.shape[0])) : 0;
  throw new ValueError(mismatch(where, 'finite numbers', `${d[i]} at sample ${row} (flat index ${i})`,
    'Clean or impute the data first; NaN and Infinity make the loss NaN.'));
}

/** Below this many elements the JS loop beats a native call. */
const NATIVE_SCAN_MIN = 1024;

/** Index of the first NaN or ±Infinity in `d`, or -1 (natively for large arrays: about 4× faster). */
function firstNonFinite(d: Float32Array): number {
  if (d.length >= NATIVE_SCAN_MIN) return loadAddon().firstNonFinite(d);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    // v - v is NaN exactly for NaN and ±Infinity; one comparison per element.
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * Checks that `x` (samples, ...) fits the model's input shape; names the first layer, as the
 * error users see when they forget Flatten or pass the wrong image size.
 */
export function checkInputShape(x: Tensor, inputShape: readonly number[], first: Layer, where: string): void {
  const got = x.shape.slice(1);
  const ok = got.length === inputShape.length && got.every((d, i) => d === inputShape[i]);
  if (ok) return;
  const hint = sizeOf(got) === sizeOf(inputShape)
    ? `Reshape x to [${x.shape[0]}, ${inputShape.join(', ')}].`
    : got.length > inputShape.length ? 'Add a Flatten layer or set inputShape on the first layer.' : undefined;
  throw new ShapeError(mismatch(`${where} (input of ${first.className} "${first.name}", the first layer)`,
    `shape [N, ${inputShape.join(', ')}]`, `shape ${shapeText(x.shape)}`, hint));
}

/** What a loss needs of y. */
export interface TargetSpec {
  readonly kind: TargetKind;
  /** The model's output shape without the batch axis. */
  readonly outputShape: readonly number[];
  /** Output features per sample. */
  readonly classes: number;
  /** Loss name for messages. */
  readonly lossName: string;
}

/** Floats per sample in the target buffer. */
export function targetSize(spec: TargetSpec): number {
  return spec.kind === 'sparse' ? 1 : spec.classes;
}

/** Checks y against the loss and the model output: shape, class count, and sparse labels in range. */
export function checkTargets(y: Tensor, spec: TargetSpec, n: number, where: string): void {
  if (y.shape[0] !== n) {
    throw new ShapeError(mismatch(where, `${n} samples (as many as x)`, `${y.shape[0]} (shape ${shapeText(y.shape)})`));
  }
  const rest = y.shape.slice(1);
  const out = spec.outputShape;
  if (spec.kind === 'sparse') {
    if (!(rest.length === 0 || (rest.length === 1 && rest[0] === 1))) {
      const hint = rest.length === 1 && rest[0] === spec.classes
        ? `y looks one-hot: use loss 'categoricalCrossentropy', or pass y.argMax(-1).` : undefined;
      throw new ShapeError(mismatch(where, `class indices of shape [N] or [N, 1] for ${spec.lossName}`, `shape ${shapeText(y.shape)}`, hint));
    }
    const d = y.data, C = spec.classes;
    for (let i = 0; i < d.length; i++) {
      const t = d[i];
      if (!(Number.isInteger(t) && t >= 0 && t < C)) {
        throw new ValueError(mismatch(where, `class indices that are integers in [0, ${C}) (the model outputs ${C} classes)`,
          `${t} at sample ${i}`));
      }
    }
    return;
  }
  const sameShape = rest.length === out.length && rest.every((d, i) => d === out[i]);
  // Keras squeezes/expands a trailing 1: y of shape [N] fits an output of [1].
  const squeezed = sizeOf(out) === 1 && sizeOf(rest) === 1 && rest.length <= 1;
  if (sameShape || squeezed) return;
  let hint: string | undefined;
  if (spec.kind === 'categorical' && rest.length === 0) {
    hint = `y looks like class indices: use loss 'sparseCategoricalCrossentropy', or toCategorical(y, ${spec.classes}).`;
  } else if (spec.kind === 'categorical' && rest.length === 1) {
    hint = `The model's last layer has ${spec.classes} units but y has ${rest[0]} classes.`;
  }
  throw new ShapeError(mismatch(where, `shape [N, ${out.join(', ')}] for ${spec.lossName} (the model's output shape)`,
    `shape ${shapeText(y.shape)}`, hint));
}

/** Per-sample weights: n finite non-negative numbers, shape [N] or [N, 1]. */
export function sampleWeights(w: unknown, n: number, where: string): Float32Array {
  const t = samples(w, where);
  if (!(t.rank === 1 || (t.rank === 2 && t.shape[1] === 1)) || t.shape[0] !== n) {
    throw new ShapeError(mismatch(where, `shape [${n}] (one weight per sample)`, `shape ${shapeText(t.shape)}`));
  }
  const f = t.asFloat32();
  for (let i = 0; i < f.length; i++) {
    if (!(Number.isFinite(f[i]) && f[i] >= 0)) throw new ValueError(mismatch(where, 'finite non-negative weights', `${f[i]} at sample ${i}`));
  }
  return f;
}

/** A Keras class_weight dict: integer class → finite non-negative weight. */
export type ClassWeight = Readonly<Record<number, number>>;

/**
 * Keras `class_weight_to_sample_weights`: one-hot y is argmaxed, a trailing axis of 1 squeezed,
 * values rounded to integers; classes missing from the dict weigh 1.
 */
export function classWeightsToSampleWeights(classWeight: unknown, y: Tensor, where: string): Float32Array {
  if (classWeight === null || typeof classWeight !== 'object' || Array.isArray(classWeight) || ArrayBuffer.isView(classWeight)) {
    throw new ValueError(expectedMessage(where, 'an object mapping class indices to weights, e.g. {0: 1, 1: 5}', classWeight));
  }
  const table = new Map<number, number>();
  for (const [k, v] of Object.entries(classWeight)) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0) throw new ValueError(expectedMessage(`${where} key`, 'a non-negative integer class index', k));
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ValueError(expectedMessage(`${where}[${k}]`, 'a finite non-negative weight', v));
    table.set(c, v);
  }
  const n = y.shape[0];
  const labels = y.rank > 1 && y.shape[y.rank - 1] !== 1 ? y.argMax(-1).data : y.data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = table.get(Math.round(labels[i])) ?? 1;
  return out;
}
