/**
 * Where the loops' batches come from: arrays (through ArrayBatches, with the epoch cursor Keras's
 * epoch iterator keeps when stepsPerEpoch is set) or datasets (iterables of batches, validated
 * one by one). Each source copies its next batch into a plan and hands the plan out.
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { type ArrayBatches, type Dataset, fillLoose, iterate, parseBatch } from './dataAdapter.js';
import type { Core } from './model.js';
import type { Plan, PlanCache } from './plan.js';
import { arg, checkFinite, checkInputShape, checkTargets, mismatch, opt, samples, sampleWeights } from './validate.js';

/** Batches of one epoch, copied into plans. */
export interface Source {
  /** Batches per epoch when known. */
  readonly steps: number | null;
  /** Whether the batch returned last carries sample weights. */
  weighted: boolean;
  begin(): void;
  /** The next batch copied into a plan, or null at the end of the epoch. */
  next(): Plan | null | Promise<Plan | null>;
  close(): void;
}

export function warnRanOut(): void {
  console.warn('Your input ran out of data; interrupting training. Make sure that your dataset or generator can ' +
    'generate at least `stepsPerEpoch * epochs` batches.');
}

export class ArraySource implements Source {
  readonly steps: number;
  readonly weighted: boolean;
  #cursor: number;
  #inEpoch = 0;
  constructor(readonly batches: ArrayBatches, readonly plans: PlanCache, readonly shuffleKey: (() => bigint) | undefined,
    readonly stepsPerEpoch: number | undefined) {
    this.steps = stepsPerEpoch ?? batches.numBatches;
    this.weighted = batches.weighted;
    this.#cursor = batches.numBatches;
  }

  begin(): void {
    if (this.#cursor >= this.batches.numBatches) {
      if (this.shuffleKey) this.batches.shuffle(this.shuffleKey());
      this.#cursor = 0;
    }
    this.#inEpoch = 0;
  }

  next(): Plan | null {
    if (this.stepsPerEpoch !== undefined && this.#inEpoch >= this.stepsPerEpoch) return null;
    if (this.#cursor >= this.batches.numBatches) {
      if (this.stepsPerEpoch !== undefined) warnRanOut();
      return null;
    }
    const plan = this.plans.get(this.batches.rows(this.#cursor));
    this.batches.fill(plan, this.#cursor++);
    this.#inEpoch++;
    return plan;
  }

  close(): void {}
}

export class DatasetSource implements Source {
  readonly steps: number | null;
  weighted = false;
  #it: AsyncIterator<unknown> | Iterator<unknown> | undefined;
  #inEpoch = 0;
  #count = 0;
  constructor(readonly ds: Dataset, readonly core: Core, readonly stepsPerEpoch: number | undefined, readonly where: string) {
    // Keras iterators (ImageDataGenerator flows) declare their batches per epoch as `length`;
    // the progress bar uses it for its total.
    const length = (ds as { length?: unknown }).length;
    this.steps = stepsPerEpoch ?? (typeof length === 'number' && Number.isSafeInteger(length) ? length : null);
  }

  begin(): void {
    if (this.stepsPerEpoch === undefined || !this.#it) this.#it = iterate(this.ds);
    this.#inEpoch = 0;
  }

  async next(): Promise<Plan | null> {
    if (this.stepsPerEpoch !== undefined && this.#inEpoch >= this.stepsPerEpoch) return null;
    const r = await this.#it!.next();
    if (r.done) {
      this.#it = undefined;
      if (this.stepsPerEpoch !== undefined) warnRanOut();
      return null;
    }
    const where = `${this.where} (batch ${this.#count++})`;
    const b = parseBatch(r.value, this.core.spec, where);
    if (b.x.shape[0] === 0) throw new ShapeError(mismatch(`${where}.x`, 'at least one sample', 'an empty batch'));
    checkInputShape(b.x, this.core.inputShape, this.core.firstLayer, `${where}.x`);
    const plan = this.core.plans.get(b.x.shape[0]);
    fillLoose(plan, b);
    this.weighted = b.sampleWeight !== undefined;
    this.#inEpoch++;
    return plan;
  }

  close(): void {
    // Lets a generator run its finally blocks when training stops early.
    const it = this.#it;
    this.#it = undefined;
    if (it?.return) void Promise.resolve(it.return()).catch(() => undefined);
  }
}

/** Validated arrays for one loop. */
export interface Arrays {
  x: Tensor;
  y: Tensor;
  w: Float32Array | undefined;
}

export function loadArrays(core: Core, method: string, x: unknown, y: unknown, sw: unknown, xName = 'x', yName = 'y', swName = 'sampleWeight'): Arrays {
  const xt = samples(x, arg(method, xName));
  checkInputShape(xt, core.inputShape, core.firstLayer, arg(method, xName));
  if (xt.shape[0] === 0) throw new ShapeError(mismatch(arg(method, xName), 'at least one sample', 'shape ' + `[${xt.shape.join(', ')}]`));
  checkFinite(xt, arg(method, xName));
  const yt = samples(y, arg(method, yName));
  checkTargets(yt, core.spec, xt.shape[0], arg(method, yName));
  const w = sw === undefined || sw === null ? undefined : sampleWeights(sw, xt.shape[0], opt(method, swName));
  return { x: xt, y: yt, w };
}
