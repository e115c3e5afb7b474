/**
 * What SGD, Adagrad, RMSprop, Adam, Nadam and Adamax share: option validation, Keras's gradient clipping and one
 * fused native update (`optimizer_update` in kernels.h) over the whole parameter arena.
 *
 * A step follows keras/src/optimizers/base_optimizer.py: clip (clipnorm per weight, or
 * global_clipnorm over all weights, or clipvalue), then decoupled weight decay `w −= w·wd·lr`
 * and the update (both inside the kernel), then `iterations += 1`. The learning rate of step t
 * is the schedule at `iterations` (t − 1 steps applied so far), as Keras's `learning_rate`.
 *
 * `apply` allocates nothing: slots are allocated by `build`, and the per-weight gradient views
 * clipnorm needs are cached for the gradient arena they were made for.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { type OuterGradArgs, rethrowNative } from '../native.js';
import { type ArenaSegment, Optimizer, type OptimizerArgs, type OptimizerContext } from './optimizer.js';
import { LearningRateSchedule } from './schedules/learningRateSchedule.js';

/** No outer-product gradients (OptimizerContext.outer left out). */
const NO_OUTER: Readonly<OuterGradArgs> = [];

/** The kernel's hyper-parameters besides the learning rate and weight decay (kernels.h order). */
export interface KernelParams {
  momentum: number;
  nesterov: boolean;
  rho: number;
  centered: boolean;
  beta1: number;
  beta2: number;
  amsgrad: boolean;
  epsilon: number;
}

/** Defaults of the parameters an update rule does not use (the kernel ignores them). */
export const UNUSED: Readonly<KernelParams> = Object.freeze({
  momentum: 0, nesterov: false, rho: 0, centered: false, beta1: 0, beta2: 0, amsgrad: false, epsilon: 0,
});

/** Option validation with one message format; `className` names the optimizer. */
export class OptionChecker {
  constructor(readonly className: string) {}

  where(name: string): string {
    return `${this.className}: option "${name}"`;
  }

  /** A finite number in [min, max] (min exclusive when `minExclusive`). */
  number(name: string, v: unknown, min = -Infinity, max = Infinity, minExclusive = false): number {
    if (typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max) return v;
    const lo = minExclusive ? `> ${min}` : `>= ${min}`;
    const what = max === Infinity ? (min === -Infinity ? 'a finite number' : `a finite number ${lo}`)
      : `a number in ${minExclusive ? '(' : '['}${min}, ${max}]`;
    throw new ValueError(expectedMessage(this.where(name), what, v));
  }

  flag(name: string, v: unknown): boolean {
    if (typeof v === 'boolean') return v;
    throw new ValueError(expectedMessage(this.where(name), 'a boolean', v));
  }

  learningRate(v: unknown): number | LearningRateSchedule {
    if (v instanceof LearningRateSchedule) return v;
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
    throw new ValueError(expectedMessage(this.where('learningRate'), 'a finite number > 0 or a LearningRateSchedule', v));
  }

  /** An optional positive clipping threshold. */
  clip(name: string, v: unknown): number | undefined {
    return v === undefined ? undefined : this.number(name, v, 0, Infinity, true);
  }
}

/** A slot buffer: Keras's variable name and its initial value. */
export interface SlotSpec {
  readonly name: string;
  readonly initial: number;
}

export abstract class FusedOptimizer extends Optimizer {
  /** kerno_optimizer_kind. */
  protected abstract readonly kind: number;
  /** Hyper-parameters passed to the kernel. */
  protected abstract readonly params: Readonly<KernelParams>;
  /** Decoupled weight decay; 0 when off (Keras `weight_decay=None`). */
  readonly weightDecay: number;
  readonly clipnorm: number | undefined;
  readonly clipvalue: number | undefined;
  readonly globalClipnorm: number | undefined;

  private rate: number | LearningRateSchedule;
  protected readonly check: OptionChecker;
  private total = -1;
  private segments: readonly ArenaSegment[] = [];
  private slotBuffers: (Float32Array | null)[] = [null, null, null];
  // clipnorm's per-weight views of the gradient arena they were made for.
  private viewsOf: Float32Array | null = null;
  private views: Float32Array[] = [];
  /**
   * @internal Set by the engine while the slots live on a device (src/engine/device.ts): called by
   * `slots()` before handing the arrays out, to bring them to the host and have them re-sent.
   */
  hostAccessHook: (() => void) | undefined = undefined;

  protected constructor(className: string, args: OptimizerArgs, defaultLearningRate: number, defaultWeightDecay = 0) {
    super();
    const check = (this.check = new OptionChecker(className));
    this.rate = check.learningRate(args.learningRate ?? defaultLearningRate);
    this.weightDecay = check.number('weightDecay', args.weightDecay ?? defaultWeightDecay, 0);
    this.clipnorm = check.clip('clipnorm', args.clipnorm);
    this.clipvalue = check.clip('clipvalue', args.clipvalue);
    this.globalClipnorm = check.clip('globalClipnorm', args.globalClipnorm);
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== undefined).length;
    if (clips > 1) {
      throw new ValueError(expectedMessage(`${className}: options "clipnorm", "clipvalue", "globalClipnorm"`,
        'at most one of them', `clipnorm=${this.clipnorm}, clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`));
    }
  }

  /** The learning rate: a number, or a schedule evaluated at `iterations`. Assigning validates. */
  get learningRate(): number | LearningRateSchedule {
    return this.rate;
  }

  set learningRate(v: number | LearningRateSchedule) {
    this.rate = this.check.learningRate(v);
  }

  currentLearningRate(): number {
    const r = this.rate;
    return typeof r === 'number' ? r : r.call(this.iterations);
  }

  /** The slot buffers this configuration uses, in kernels.h order (null: unused). */
  protected abstract slotSpecs(): readonly (SlotSpec | null)[];

  /**
   * Scalar state for step `step` (1-based), passed as kerno_optimizer_params.u_product: Nadam's
   * running product; the other rules read nothing there. Must not allocate (called every step).
   */
  protected stepScalar(_step: number): number {
    return 0;
  }

  build(segments: readonly ArenaSegment[], total: number): void {
    const c = this.check.className;
    if (!Number.isSafeInteger(total) || total < 0)
      throw new ValueError(expectedMessage(`${c}.build: argument "total"`, 'a non-negative integer', total));
    for (const s of segments) {
      if (!(Number.isSafeInteger(s.offset) && Number.isSafeInteger(s.size) && s.offset >= 0 && s.size >= 0 && s.offset + s.size <= total))
        throw new ShapeError(expectedMessage(`${c}.build: segment "${s.name}"`, `offset and size within the arena of ${total}`, `offset ${s.offset}, size ${s.size}`));
    }
    this.segments = Object.freeze(segments.map((s) => ({ ...s })));
    this.total = total;
    this.slotBuffers = [0, 1, 2].map((i) => {
      const spec = this.slotSpecs()[i];
      return spec ? new Float32Array(total).fill(spec.initial) : null;
    });
    this.viewsOf = null;
    this.views = [];
  }

  apply(ctx: OptimizerContext, params: Float32Array, grads: Float32Array): boolean {
    const n = this.total;
    if (n < 0) throw new ValueError(`${this.check.className}.apply: expected a built optimizer; call build(segments, total) first.`);
    if (params.length !== n || grads.length !== n) {
      throw new ShapeError(expectedMessage(`${this.check.className}.apply: arguments "params" and "grads"`,
        `Float32Arrays of ${n} elements (the arena it was built for)`, params.length !== n ? params : grads));
    }
    const lr = this.currentLearningRate();
    if (!(lr >= 0 && lr < Infinity)) {
      throw new ValueError(expectedMessage(`${this.check.className}: learning rate at step ${this.iterations}`,
        'a finite number >= 0', lr));
    }
    // Indexed reads, not destructuring: array destructuring may allocate an iterator per step.
    const addon = ctx.addon, backend = ctx.backend, p = this.params, slots = this.slotBuffers;
    try {
      this.clip(ctx, grads);
      const step = this.iterations + 1;
      addon.optimizerUpdate(backend, params, grads, slots[0], slots[1], slots[2], this.kind, lr, this.weightDecay, p.momentum,
        p.nesterov, p.rho, p.centered, p.beta1, p.beta2, p.amsgrad, p.epsilon, step, this.stepScalar(step), ctx.zeroGrads === true,
        ...(ctx.outer ?? NO_OUTER));
    } catch (e) {
      rethrowNative(e);
    }
    this.iterations++;
    return ctx.zeroGrads === true;
  }

  /** Clipping by value or norm reads the whole gradient first, so only an unclipped update generates outer products. */
  override acceptsOuterGradients(): boolean {
    return this.clipnorm === undefined && this.clipvalue === undefined && this.globalClipnorm === undefined;
  }

  /** Keras `_clip_gradients`, rebuilt from the sum_squares / scale / clip_by_value kernels. */
  private clip(ctx: OptimizerContext, grads: Float32Array): void {
    const addon = ctx.addon, backend = ctx.backend;
    if (this.clipnorm !== undefined) {
      // tf.clip_by_norm per weight: g · c / max(‖g‖, c); an all-zero gradient is left alone.
      const c = this.clipnorm, views = this.gradViews(grads);
      for (let i = 0; i < views.length; i++) {
        const g = views[i];
        const norm = Math.fround(Math.sqrt(addon.sumSquares(backend, g)));
        if (norm > c) addon.scale(backend, g, c / norm);
      }
    } else if (this.globalClipnorm !== undefined) {
      // Keras clip_by_global_norm in float32: s = c · min(1/‖g‖, 1/c) + (‖g‖ − ‖g‖); the last
      // term turns every gradient into NaN when the norm is inf or NaN.
      const c = Math.fround(this.globalClipnorm);
      const norm = Math.fround(Math.sqrt(addon.sumSquares(backend, grads)));
      const s = Math.fround(Math.fround(c * Math.min(Math.fround(1 / norm), Math.fround(1 / c))) + (norm - norm));
      if (s !== 1) addon.scale(backend, grads, s);
    } else if (this.clipvalue !== undefined) {
      addon.clipByValue(backend, grads, this.clipvalue);
    }
  }

  private gradViews(grads: Float32Array): Float32Array[] {
    if (this.viewsOf !== grads) {
      this.views = this.segments.map((s) => grads.subarray(s.offset, s.offset + s.size));
      this.viewsOf = grads;
    }
    return this.views;
  }

  /** @internal The slot buffers in kernels.h order (null: unused), as they are: no device synchronisation. */
  slotArrays(): readonly (Float32Array | null)[] {
    return this.slotBuffers;
  }

  slots(): { name: string; values: Float32Array }[] {
    this.hostAccessHook?.();
    const specs = this.slotSpecs();
    const out: { name: string; values: Float32Array }[] = [];
    this.slotBuffers.forEach((b, i) => {
      const spec = specs[i];
      if (b && spec) out.push({ name: spec.name, values: b });
    });
    return out;
  }

  getConfig(): Record<string, unknown> {
    const r = this.rate;
    return {
      learningRate: typeof r === 'number' ? r : { className: r.className, config: r.getConfig() },
      weightDecay: this.weightDecay === 0 ? null : this.weightDecay,
      clipnorm: this.clipnorm ?? null,
      clipvalue: this.clipvalue ?? null,
      globalClipnorm: this.globalClipnorm ?? null,
    };
  }
}
