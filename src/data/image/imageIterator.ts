/**
 * The batch iterator behind flow, flowFromDirectory and imageDatasetFromDirectory (Keras's legacy
 * `Iterator`, a PyDataset): `length` batches per epoch, the last one partial; `getBatch(i)` is
 * `__getitem__`, `next()` is Python's `next(it)` (endless, wrapping into the next epoch),
 * `onEpochEnd()` moves to the next epoch's order.
 *
 * `for await (const batch of it)` — which is how model.fit/evaluate/predict read it — runs one
 * epoch and then moves to the next epoch, so each fit epoch (and each validation pass) gets a
 * fresh shuffle. While a batch is in use, the next 2 batches are already loading — on the decode
 * worker threads (decodePool.ts) for flowFromDirectory and imageDatasetFromDirectory, so loading
 * overlaps with the (synchronous, native) training step — and at most 3 batches exist at a time,
 * which bounds memory.
 *
 * Order and augmentation are deterministic given `seed`: epoch e visits the samples in the
 * permutation keyed (seed, 'epoch', e), and the sample at position p of that epoch is augmented
 * with stream p of the key (seed, 'augment', e). Without a seed, a key is drawn from the global
 * stream (setSeed makes it reproducible).
 */
import { deriveSeed, nextSeed } from '../../random.js';
import type { Tensor } from '../../tensor.js';
import { ValueError, expectedMessage } from '../../errors.js';
import { Rng, permutation } from './rng.js';

/** One batch: images (N, H, W, C), labels (or null when there are none), optional sample weights. */
export interface ImageBatch {
  x: Tensor;
  y: Tensor | null;
  sampleWeight?: Float32Array;
}

/** Batches decoded ahead of the one in use. */
const PREFETCH = 2;

export abstract class ImageIterator implements AsyncIterable<ImageBatch> {
  /** Number of samples. */
  readonly n: number;
  /** Samples per batch (the last batch of an epoch may be smaller). */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a new random order. */
  readonly shuffle: boolean;
  /** The seed given, if any. */
  readonly seed: number | undefined;
  readonly #key: bigint;
  #epoch = 0;
  #cursor = 0;
  #order: { epoch: number; idx: Int32Array } | undefined;

  protected constructor(n: number, batchSize: number, shuffle: boolean, seed: number | undefined, purpose: string) {
    this.n = n;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.#key = seed === undefined ? nextSeed() : deriveSeed(seed, purpose);
  }

  /** Batches per epoch: ceil(n / batchSize) (Keras `len(iterator)`). */
  get length(): number {
    return Math.ceil(this.n / this.batchSize);
  }

  /** The current epoch (0-based): how many times onEpochEnd has run. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The sample order of the current epoch. */
  get indexArray(): Int32Array {
    return this.#orderOf(this.#epoch);
  }

  #orderOf(epoch: number): Int32Array {
    if (this.#order?.epoch !== epoch) {
      this.#order = { epoch, idx: permutation(this.n, this.shuffle ? deriveSeed(this.#key, 'epoch', epoch) : undefined) };
    }
    return this.#order.idx;
  }

  #augmentKey: { epoch: number; key: bigint } | undefined;

  /** The key whose stream p augments the sample at position p of `epoch`. */
  protected augmentKey(epoch: number): bigint {
    if (this.#augmentKey?.epoch !== epoch) this.#augmentKey = { epoch, key: deriveSeed(this.#key, 'augment', epoch) };
    return this.#augmentKey.key;
  }

  /** The random stream for the sample at `position` of `epoch`. */
  protected rngFor(epoch: number, position: number): Rng {
    return new Rng(this.augmentKey(epoch), position);
  }

  /**
   * Loads the samples `idx` (positions `start`… of `epoch`) as one batch, or null when every one
   * of them was skipped as unreadable.
   */
  protected abstract loadBatch(idx: Int32Array, epoch: number, start: number): Promise<ImageBatch | null>;

  #load(epoch: number, b: number): Promise<ImageBatch | null> {
    const start = b * this.batchSize;
    const p = this.loadBatch(this.#orderOf(epoch).subarray(start, Math.min(this.n, start + this.batchSize)), epoch, start);
    p.catch(() => undefined); // a prefetched batch that fails is reported when it is awaited
    return p;
  }

  /**
   * Batch `index` of the current epoch (Keras `__getitem__`). Resolves to a batch with no rows
   * when every file in it was skipped as unreadable.
   * @throws ValueError for an index outside [0, length).
   */
  async getBatch(index: number): Promise<ImageBatch> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) {
      throw new ValueError(expectedMessage('getBatch: argument "index"', `an integer in [0, ${this.length})`, index));
    }
    return (await this.#load(this.#epoch, index)) ?? this.emptyBatch();
  }

  /** The next batch, wrapping into the next epoch after the last one (Python `next(iterator)`). */
  async next(): Promise<ImageBatch> {
    for (let tries = 0; tries <= this.length; tries++) {
      if (this.#cursor >= this.length) {
        this.onEpochEnd();
        this.#cursor = 0;
      }
      const batch = await this.#load(this.#epoch, this.#cursor++);
      if (batch) return batch;
    }
    return this.emptyBatch();
  }

  /** Restarts `next()` at the first batch of the current epoch (Keras `reset`). */
  reset(): void {
    this.#cursor = 0;
  }

  /** Moves to the next epoch: a new order when shuffling (Keras `on_epoch_end`). */
  onEpochEnd(): void {
    this.#epoch++;
  }

  /** A batch with no rows, shaped like the others. */
  protected abstract emptyBatch(): ImageBatch;

  /**
   * One epoch of batches with `prefetch` batches loading ahead; the epoch then ends (also when
   * the loop stops early), so the next pass gets a new order.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ImageBatch, void, undefined> {
    const epoch = this.#epoch;
    const pending: Promise<ImageBatch | null>[] = [];
    let next = 0;
    const fill = (): void => {
      while (next < this.length && pending.length < PREFETCH) pending.push(this.#load(epoch, next++));
    };
    try {
      fill();
      while (pending.length > 0) {
        const batch = await pending.shift()!;
        fill();
        if (batch) yield batch;
      }
    } finally {
      if (this.#epoch === epoch) this.onEpochEnd();
    }
  }
}
