/**
 * Turns what fit/evaluate/predict receive into batches copied into a plan's buffers.
 *
 * Arrays (Keras's array adapter): rows are visited through an index permutation, reshuffled each
 * epoch with a seeded Fisher–Yates when `shuffle` is on; the last partial batch is kept. Copying
 * a batch gathers its rows natively, converting uint8/int32 inputs to float32, into the
 * preallocated plan buffers, so no batch allocates.
 *
 * Async iterables (what an image generator yields): each element is a batch `{x, y, sampleWeight?}`
 * or `[x, y]` / `[x, y, sampleWeight]`, validated and copied the same way.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { loadAddon } from '../native.js';
import { deriveSeed } from '../random.js';
import { Tensor, type TensorData } from '../tensor.js';
import type { Plan } from './plan.js';
import { checkFinite, checkTargets, samples, sampleWeights, type TargetSpec } from './validate.js';

/** A batch from an iterable: an object or a tuple. */
export type DatasetBatch<X = unknown, Y = unknown> =
  | { x: X; y: Y; sampleWeight?: unknown }
  | readonly [X, Y]
  | readonly [X, Y, unknown];

/** What fit/evaluate accept instead of arrays. */
export type Dataset<X = unknown, Y = unknown> = AsyncIterable<DatasetBatch<X, Y>> | Iterable<DatasetBatch<X, Y>>;

/** Rows at least this long are gathered natively (addon.gatherRows); shorter ones (labels) in JS. */
const ROW_NATIVE_MIN = 16;

/**
 * Row-wise access to one array for batch copies. Long rows go through the addon's gatherRows:
 * one call per batch converts and copies every row (TypedArray.set, row by row, costs about 1 ns
 * an element: 25 µs of a 32-image batch). Short rows (labels) are copied element by element.
 * Nothing allocates per batch.
 */
class Rows {
  readonly stride: number;
  readonly #src: TensorData;

  constructor(src: TensorData, n: number) {
    this.#src = src;
    this.stride = n ? src.length / n : 0;
  }

  /** Copies rows `idx[start .. start+count)` into `dst` from row 0, converting to float32. */
  copy(dst: Float32Array, idx: Int32Array, start: number, count: number): void {
    const src = this.#src, stride = this.stride;
    if (stride >= ROW_NATIVE_MIN) {
      loadAddon().gatherRows(dst, src, stride, idx, start, count);
      return;
    }
    let o = 0;
    for (let r = 0; r < count; r++) {
      const s = idx[start + r] * stride;
      for (let j = 0; j < stride; j++) dst[o++] = src[s + j];
    }
  }
}

/** xoshiro128** seeded from a 64-bit key: a small, fast PRNG for shuffling (53-bit uniform doubles). */
class Shuffler {
  #a: number; #b: number; #c: number; #d: number;
  constructor(key: bigint) {
    const k = [key, deriveSeed(key, 1)];
    this.#a = Number(k[0] & 0xffffffffn) | 0;
    this.#b = Number(k[0] >> 32n) | 0;
    this.#c = Number(k[1] & 0xffffffffn) | 0;
    this.#d = Number(k[1] >> 32n) | 0;
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
  }

  #next(): number {
    const r = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a; this.#d ^= this.#b; this.#b ^= this.#c; this.#a ^= this.#d;
    this.#c ^= t; this.#d = rotl(this.#d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return ((this.#next() >>> 5) * 67108864 + (this.#next() >>> 6)) / 9007199254740992;
  }

  /** Fisher–Yates in place. */
  shuffle(idx: Int32Array): void {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = idx[i]; idx[i] = idx[j]; idx[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Arrays already validated: x (N, ...inputShape), y (N, ...) or none, per-sample weights or none. */
export class ArrayBatches {
  readonly n: number;
  readonly batchSize: number;
  readonly numBatches: number;
  readonly #x: Rows;
  readonly #y: Rows | undefined;
  readonly #w: Float32Array | undefined;
  readonly #idx: Int32Array;

  constructor(x: Tensor, y: Tensor | undefined, w: Float32Array | undefined, batchSize: number) {
    this.n = x.shape[0];
    this.batchSize = batchSize;
    this.numBatches = Math.ceil(this.n / batchSize);
    this.#x = new Rows(x.data, this.n);
    this.#y = y ? new Rows(y.data, this.n) : undefined;
    this.#w = w;
    this.#idx = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) this.#idx[i] = i;
  }

  get weighted(): boolean {
    return this.#w !== undefined;
  }

  /** Reshuffles the visiting order with a key that differs per epoch (see Model). */
  shuffle(key: bigint): void {
    // Each epoch's order depends only on its key, not on the previous epoch's order, so a fit
    // resumed from a saved model (or split into two fit calls) shuffles exactly as one fit.
    for (let i = 0; i < this.n; i++) this.#idx[i] = i;
    new Shuffler(key).shuffle(this.#idx);
  }

  /** Rows in batch `b` (the last one may be partial). */
  rows(b: number): number {
    return Math.min(this.batchSize, this.n - b * this.batchSize);
  }

  /** Copies batch `b` into the plan (which must be sized for `rows(b)`). */
  fill(plan: Plan, b: number): void {
    const start = b * this.batchSize, count = plan.batch;
    this.#x.copy(plan.x, this.#idx, start, count);
    if (this.#y !== undefined) this.#y.copy(plan.y, this.#idx, start, count);
    if (this.#w !== undefined) {
      const w = this.#w, idx = this.#idx, dst = plan.w;
      for (let r = 0; r < count; r++) dst[r] = w[idx[start + r]];
    }
  }
}

/** One validated batch from an iterable. */
export interface LooseBatch {
  x: Tensor;
  y: Tensor;
  sampleWeight: Float32Array | undefined;
}

/** Reads and validates one element of a dataset. */
export function parseBatch(item: unknown, spec: TargetSpec | undefined, where: string): LooseBatch {
  let x: unknown, y: unknown, w: unknown;
  if (Array.isArray(item) && (item.length === 2 || item.length === 3)) {
    [x, y, w] = item;
  } else if (item !== null && typeof item === 'object' && 'x' in item) {
    ({ x, y, sampleWeight: w } = item as { x: unknown; y: unknown; sampleWeight?: unknown });
  } else {
    throw new ValueError(expectedMessage(where, 'a batch {x, y, sampleWeight?} or [x, y] / [x, y, sampleWeight]', item));
  }
  const xt = samples(x, `${where}.x`);
  checkFinite(xt, `${where}.x`);
  const yt = samples(y, `${where}.y`);
  if (spec) checkTargets(yt, spec, xt.shape[0], `${where}.y`);
  const sw = w === undefined || w === null ? undefined : sampleWeights(w, xt.shape[0], `${where}.sampleWeight`);
  return { x: xt, y: yt, sampleWeight: sw };
}

/** Copies a whole loose batch (already validated against the plan's sizes) into the plan. */
export function fillLoose(plan: Plan, b: LooseBatch): void {
  copyAll(plan.x, b.x.data);
  copyAll(plan.y, b.y.data);
  if (b.sampleWeight) plan.w.set(b.sampleWeight);
}

function copyAll(dst: Float32Array, src: TensorData): void {
  if (src instanceof Float32Array) dst.set(src);
  else for (let i = 0; i < src.length; i++) dst[i] = src[i];
}

/**
 * Whether `v` is a dataset: an async iterable, a sync iterable that is not array data, or an
 * array of batches — an array whose first element is a Tensor, an `{x, ...}` object or a tuple
 * starting with a Tensor (nested number arrays and arrays of typed-array rows are tensor data).
 */
export function isDataset(v: unknown): v is Dataset {
  if (v === null || typeof v !== 'object') return false;
  if (Symbol.asyncIterator in v) return true;
  if (Array.isArray(v)) {
    const first: unknown = v[0];
    return first instanceof Tensor || isBatch(first);
  }
  return Symbol.iterator in v && !ArrayBuffer.isView(v) && !(v instanceof Tensor);
}

/** Whether `v` looks like one batch: an `{x, ...}` object or a tuple starting with a Tensor. */
export function isBatch(v: unknown): boolean {
  if (Array.isArray(v)) return v[0] instanceof Tensor;
  return v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof Tensor) && 'x' in v;
}

/** An iterator over a dataset's batches, sync or async. */
export function iterate(ds: Dataset): AsyncIterator<unknown> | Iterator<unknown> {
  return Symbol.asyncIterator in ds
    ? (ds as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    : (ds as Iterable<unknown>)[Symbol.iterator]();
}
