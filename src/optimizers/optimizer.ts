/**
 * The contract between optimizers and the engine. The model keeps every trainable weight in one
 * flat arena (and their gradients in a second one), so an optimizer step is one fused native
 * update over the whole arena; `segments` locate each weight for per-variable work (clipnorm).
 * Subclasses (SGD, Adam, ...) hold Keras's defaults and update rules; see keras-semantics.md.
 */
import type { NativeAddon, OuterGradArgs } from '../native.js';
import type { LearningRateSchedule } from './schedules.js';

/** Where one trainable weight lives in the arena. */
export interface ArenaSegment {
  /** `layerName/weightName`, e.g. `'dense/kernel'`. */
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface OptimizerArgs {
  /** Learning rate or a schedule of the step. Defaults to each optimizer's Keras default. */
  learningRate?: number | LearningRateSchedule;
  /** Decoupled weight decay `w −= w·weightDecay·lr` before each update. Defaults to none (AdamW: 0.004). */
  weightDecay?: number;
  /** Clip each weight's gradient to this L2 norm. Defaults to none. Exclusive with the other clips. */
  clipnorm?: number;
  /** Clip every gradient element to [−clipvalue, clipvalue]. Defaults to none. */
  clipvalue?: number;
  /** Clip all gradients together to this global L2 norm. Defaults to none. */
  globalClipnorm?: number;
}

/** The native handles an optimizer step runs with. */
export interface OptimizerContext {
  readonly addon: NativeAddon;
  readonly backend: number;
  /**
   * The training loop's request to leave `grads` zeroed after the step, ready for the next
   * backward to accumulate into (the built-in optimizers do it in their update pass, saving a
   * separate zeroing pass over the arena). Default false.
   */
  readonly zeroGrads?: boolean;
  /**
   * @internal Weights whose gradients are outer products the update generates itself (see
   * `Optimizer.acceptsOuterGradients`), as `optimizerUpdate`'s trailing groups of five; their
   * ranges of `grads` hold zeros and are left so. Only set for optimizers that accept them.
   */
  readonly outer?: OuterGradArgs;
}

export abstract class Optimizer {
  /** Keras class name, e.g. `'Adam'`. */
  abstract readonly className: string;
  /** Steps applied so far (Keras `iterations`). */
  iterations = 0;

  /**
   * The learning rate: a number, or a schedule evaluated at `iterations`. Callbacks such as
   * ReduceLROnPlateau assign a number here.
   */
  abstract learningRate: number | LearningRateSchedule;

  /** The rate the next step will use. */
  abstract currentLearningRate(): number;

  /** Allocates slot buffers for an arena of `total` floats; called by the model at compile/build. */
  abstract build(segments: readonly ArenaSegment[], total: number): void;

  /**
   * Applies one step in place: clipping (may modify `grads`), weight decay, the update of
   * `params` from `grads`, then `iterations += 1`. Returns true when it left `grads` all zero
   * (as `ctx.zeroGrads` asks); anything else tells the caller to zero them itself.
   */
  abstract apply(ctx: OptimizerContext, params: Float32Array, grads: Float32Array): boolean | void;

  /**
   * @internal Whether `apply` takes `ctx.outer`: gradients it generates as outer products instead of
   * reading them (a Dense layer at one row per step; kerno_outer_grad). False unless the update is
   * elementwise in the gradient, i.e. no norm clipping that would need the gradients first.
   */
  acceptsOuterGradients(): boolean {
    return false;
  }

  /** Slot buffers by name (e.g. `m`, `v`), each as long as the arena, for saving and loading. */
  abstract slots(): { name: string; values: Float32Array }[];

  abstract getConfig(): Record<string, unknown>;
}
