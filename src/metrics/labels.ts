/**
 * Input normalisation shared by every metric: label arrays, 2-D scores (argmaxed), tensor-likes,
 * sample weights, and the label ordering sklearn uses (sorted union, numbers numerically, strings
 * by code point).
 */
import { ShapeError, ValueError, describe, expectedMessage } from '../errors.js';

/** A class label: an integer class id or a string, as sklearn accepts. */
export type Label = number | string;

/** Any JS typed array that holds numbers. */
export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

/**
 * A tensor-like value: row-major `data` and its `shape`. kerno's `Tensor` has exactly these fields,
 * so `model.predict(x)` can be passed directly.
 */
export interface TensorLike {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

/**
 * Labels as sklearn accepts them: a 1-D array of integer class ids or strings, or 2-D scores
 * (probabilities, logits or one-hot rows, `number[][]` or a `[n, k]` tensor-like) whose per-row
 * argmax is the label — what the Keras tutorial does with `predict(x).argMax(-1)`. A `[n, 1]`
 * column is read as labels, like sklearn's column vectors.
 */
export type LabelInput = readonly number[] | readonly string[] | NumericTypedArray | readonly ArrayLike<number>[] | TensorLike;

/** Per-sample weights: one finite number per sample. */
export type WeightInput = readonly number[] | NumericTypedArray;

/** Labels after normalisation: all numbers or all strings. */
export interface LabelArray {
  readonly kind: 'number' | 'string';
  readonly values: readonly Label[];
}

/** 2-D (or 1-D) scores after normalisation, row-major. */
export interface ScoreMatrix {
  /** Number of samples. */
  readonly n: number;
  /** Columns per sample; 1 for 1-D scores. */
  readonly k: number;
  /** Whether the input had one axis (`[n]`) rather than two (`[n, k]`). */
  readonly rank: 1 | 2;
  readonly data: Float64Array;
}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && 'data' in x && 'shape' in x;
}

function isRowArray(x: unknown): x is readonly ArrayLike<number>[] {
  return Array.isArray(x) && x.length > 0 && (Array.isArray(x[0]) || ArrayBuffer.isView(x[0]));
}

/** `${where} expected ${expected}, received ${received}.` where `received` is already a phrase. */
export function mismatch(where: string, expected: string, received: string, hint?: string): string {
  return `${where} expected ${expected}, received ${received}.${hint ? ' ' + hint : ''}`;
}

/** Reads any accepted 1-D/2-D numeric input into a dense row-major matrix. */
export function toScores(input: unknown, where: string): ScoreMatrix {
  if (isTensorLike(input)) {
    const { data, shape } = input;
    if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 2)) {
      throw new ShapeError(mismatch(where, 'a tensor of shape [n] or [n, k]', `shape ${JSON.stringify(shape)}`));
    }
    const n = shape[0];
    const k = shape.length === 2 ? shape[1] : 1;
    if (data.length !== n * k) {
      throw new ShapeError(mismatch(where, `${n * k} values for shape ${JSON.stringify(shape)}`, `${data.length}`));
    }
    return { n, k, rank: shape.length as 1 | 2, data: checkFinite(Float64Array.from(data), where) };
  }
  if (isRowArray(input)) {
    const k = input[0].length;
    const out = new Float64Array(input.length * k);
    input.forEach((row, i) => {
      if (!(Array.isArray(row) || ArrayBuffer.isView(row)) || row.length !== k) {
        throw new ShapeError(mismatch(where, `rows of ${k} scores (the length of row 0)`, `${describe(row)} at row ${i}`));
      }
      for (let j = 0; j < k; j++) out[i * k + j] = Number(row[j]);
    });
    return { n: input.length, k, rank: 2, data: checkFinite(out, where) };
  }
  if (Array.isArray(input) || ArrayBuffer.isView(input)) {
    const arr = input as ArrayLike<unknown>;
    const out = new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (typeof v !== 'number') throw new ValueError(expectedMessage(`${where}[${i}]`, 'a number', v));
      out[i] = v;
    }
    return { n: arr.length, k: 1, rank: 1, data: checkFinite(out, where) };
  }
  throw new ValueError(expectedMessage(where, 'an array, a typed array, number[][] or a {data, shape} tensor', input));
}

function checkFinite(data: Float64Array, where: string): Float64Array {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ValueError(expectedMessage(`${where}`, 'finite numbers', data[i], `(at flat index ${i})`));
  }
  return data;
}

/** First index of the row maximum, like numpy's argmax (ties go to the lowest index). */
function argmaxRows(m: ScoreMatrix): number[] {
  const out = new Array<number>(m.n);
  for (let i = 0; i < m.n; i++) {
    let best = 0;
    for (let j = 1; j < m.k; j++) if (m.data[i * m.k + j] > m.data[i * m.k + best]) best = j;
    out[i] = best;
  }
  return out;
}

/**
 * Normalises labels: 2-D scores are argmaxed, `[n, 1]` columns squeezed, numbers must be integers
 * (sklearn rejects non-integer floats as "continuous" targets), strings and numbers cannot mix.
 */
export function toLabels(input: LabelInput, where: string): LabelArray {
  if (isTensorLike(input) || isRowArray(input)) {
    const m = toScores(input, where);
    if (m.rank === 2 && m.k > 1) return { kind: 'number', values: argmaxRows(m) };
    return { kind: 'number', values: checkIntegers(Array.from(m.data), where) };
  }
  if (!Array.isArray(input) && !ArrayBuffer.isView(input)) {
    throw new ValueError(expectedMessage(where, 'an array of labels, number[][] scores or a {data, shape} tensor', input));
  }
  const arr = input as ArrayLike<unknown>;
  if (arr.length === 0) throw new ValueError(mismatch(where, 'at least one sample', 'an empty array'));
  const kind = typeof arr[0] === 'string' ? 'string' : 'number';
  const values: Label[] = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== kind) {
      throw new ValueError(
        expectedMessage(`${where}[${i}]`, `a ${kind} like ${where}[0]`, v, 'Labels must be all numbers or all strings.'),
      );
    }
    values[i] = v as Label;
  }
  if (kind === 'number') checkIntegers(values as number[], where);
  return { kind, values };
}

function checkIntegers(values: number[], where: string): number[] {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i])) {
      throw new ValueError(
        expectedMessage(`${where}[${i}]`, 'an integer class label', values[i], 'Threshold or argmax probabilities first, or pass them as [n, k] scores.'),
      );
    }
  }
  if (values.length === 0) throw new ValueError(mismatch(where, 'at least one sample', 'an empty array'));
  return values;
}

/** Orders labels as numpy sorts them: numbers ascending, strings by Unicode code point. */
export function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  // JS `<` compares UTF-16 code units; numpy compares code points. They differ only for astral
  // characters against U+E000..U+FFFF, so walk code points.
  const ia = sa[Symbol.iterator]();
  const ib = sb[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** The sorted union of the labels of the given arrays (sklearn's `unique_labels`). */
export function uniqueLabels(...arrays: readonly (readonly Label[])[]): Label[] {
  const set = new Set<Label>();
  for (const a of arrays) for (const v of a) set.add(v);
  return [...set].sort(compareLabels);
}

/** Checks that yTrue and yPred are the same kind and length; returns the sorted union. */
export function checkPair(yTrue: LabelArray, yPred: LabelArray, where: string): Label[] {
  if (yPred.values.length !== yTrue.values.length) {
    throw new ShapeError(
      mismatch(`${where}: yPred`, `${yTrue.values.length} labels (the length of yTrue)`, `${yPred.values.length}`),
    );
  }
  if (yTrue.kind !== yPred.kind) {
    throw new ValueError(
      mismatch(`${where}: yPred`, `${yTrue.kind} labels like yTrue`, `${yPred.kind} labels`, 'Mix of label input types (string and number).'),
    );
  }
  return uniqueLabels(yTrue.values, yPred.values);
}

/** Validates a user `labels` option: non-empty, same kind as the data, no duplicates. */
export function checkLabelsOption(labels: readonly Label[], kind: 'number' | 'string', where: string): Label[] {
  if (!Array.isArray(labels)) throw new ValueError(expectedMessage(`${where}: labels`, 'an array of labels', labels));
  if (labels.length === 0) throw new ValueError(mismatch(`${where}: labels`, 'at least one label', 'an empty array'));
  const seen = new Set<Label>();
  for (const l of labels) {
    if (typeof l !== kind) {
      throw new ValueError(expectedMessage(`${where}: labels`, `${kind} labels like yTrue`, l));
    }
    if (seen.has(l)) throw new ValueError(expectedMessage(`${where}: labels`, 'unique labels', l, 'It appears twice.'));
    seen.add(l);
  }
  return [...labels];
}

/** Reads sample weights: one finite number per sample, or `null` when not given. */
export function toWeights(weights: WeightInput | undefined | null, n: number, where: string): Float64Array | null {
  if (weights === undefined || weights === null) return null;
  if (!Array.isArray(weights) && !ArrayBuffer.isView(weights)) {
    throw new ValueError(expectedMessage(`${where}: sampleWeight`, 'an array of numbers', weights));
  }
  if (weights.length !== n) {
    throw new ShapeError(mismatch(`${where}: sampleWeight`, `${n} weights (one per sample)`, `${weights.length}`));
  }
  const out = Float64Array.from(weights as ArrayLike<number>);
  for (let i = 0; i < n; i++) {
    if (typeof weights[i] !== 'number' || !Number.isFinite(out[i])) {
      throw new ValueError(expectedMessage(`${where}: sampleWeight[${i}]`, 'a finite number', weights[i]));
    }
  }
  return out;
}

/** The name sklearn prints for a label (`"%s" % label`); integers print without a decimal point. */
export function labelName(label: Label): string {
  return String(label);
}

/**
 * Validates the `labels` of score columns (roc AUC, top-k): unique, sorted as numpy sorts, and
 * covering every label of yTrue.
 */
export function checkSortedLabels(labels: readonly Label[], yTrue: readonly Label[], where: string): Label[] {
  if (!Array.isArray(labels)) throw new ValueError(expectedMessage(`${where}: labels`, 'an array of labels', labels));
  const sorted = [...new Set(labels)].sort(compareLabels);
  if (sorted.length !== labels.length) throw new ValueError(expectedMessage(`${where}: labels`, 'unique labels', labels));
  if (sorted.some((l, i) => l !== labels[i])) throw new ValueError(expectedMessage(`${where}: labels`, 'labels in sorted order', labels));
  const set = new Set(labels);
  const unknown = yTrue.find((l) => !set.has(l));
  if (unknown !== undefined) {
    throw new ValueError(expectedMessage(`${where}: yTrue`, `only labels listed in labels (${JSON.stringify(labels)})`, unknown));
  }
  return [...labels];
}
