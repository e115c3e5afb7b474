/**
 * Keras `BatchNormalization` over the last axis (channels-last; Keras's `axis=-1`, the only axis
 * the native kernels normalise).
 *
 * Training (`ctx.training` and the layer trainable): normalises with the batch mean and biased
 * variance, and updates `moving = moving·momentum + batch·(1 − momentum)` (biased variance, as
 * Keras). Inference, and a frozen layer even while the model trains (as Keras 3:
 * `trainable = false` makes BatchNormalization run in inference mode): the moving statistics.
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import type { Weight } from '../engine/weight.js';
import type { Initializer } from '../initializers/initializer.js';
import type { Regularizer } from '../regularizers.js';
import {
  type InitializerLike, type RegularizerLike, WorkspaceViews, booleanOption, finiteNumber, initializerOption, product,
  regularizerOption, serialize, shapeError,
} from './common.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** Weight of the old value in the moving statistics, in [0, 1]. Defaults to `0.99`. */
  momentum?: number;
  /** Added to the variance, > 0. Defaults to `1e-3`. */
  epsilon?: number;
  /** Learn an offset `beta`. Defaults to `true`. */
  center?: boolean;
  /** Learn a scale `gamma`. Defaults to `true`. */
  scale?: boolean;
  /** Defaults to `'zeros'`. */
  betaInitializer?: InitializerLike;
  /** Defaults to `'ones'`. */
  gammaInitializer?: InitializerLike;
  /** Defaults to `'zeros'`. */
  movingMeanInitializer?: InitializerLike;
  /** Defaults to `'ones'`. */
  movingVarianceInitializer?: InitializerLike;
  /** Defaults to none. */
  betaRegularizer?: RegularizerLike | null;
  /** Defaults to none. */
  gammaRegularizer?: RegularizerLike | null;
}

export class BatchNormalization extends Layer {
  override readonly className: string = 'BatchNormalization';
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | undefined;
  readonly gammaRegularizer: Regularizer | undefined;
  gamma: Weight | undefined;
  beta: Weight | undefined;
  movingMean: Weight | undefined;
  movingVariance: Weight | undefined;

  /** Channels (the last axis) and rows per sample (the product of the other axes), fixed at build. */
  private C = 0;
  private rowsPerSample = 1;
  // The batch statistics of the last training forward, saved for backward: mean and 1/std, C
  // each, in the workspace (the engine's arena, which is where a device keeps it too).
  private readonly views = new WorkspaceViews(this, () => [this.C, this.C]);
  /** gamma / sqrt(movingVar + ε) per channel, for the frozen (inference-mode) backward. */
  private inferScale = new Float32Array(0);

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, 'batch_normalization');
    this.momentum = args.momentum === undefined ? 0.99 : finiteNumber(this, 'momentum', args.momentum, 0, 1);
    this.epsilon = args.epsilon === undefined ? 1e-3 : finiteNumber(this, 'epsilon', args.epsilon, Number.MIN_VALUE);
    this.center = booleanOption(this, 'center', args.center, true);
    this.scale = booleanOption(this, 'scale', args.scale, true);
    this.betaInitializer = initializerOption(this, 'betaInitializer', args.betaInitializer, 'zeros');
    this.gammaInitializer = initializerOption(this, 'gammaInitializer', args.gammaInitializer, 'ones');
    this.movingMeanInitializer = initializerOption(this, 'movingMeanInitializer', args.movingMeanInitializer, 'zeros');
    this.movingVarianceInitializer = initializerOption(this, 'movingVarianceInitializer', args.movingVarianceInitializer, 'ones');
    this.betaRegularizer = regularizerOption(this, 'betaRegularizer', args.betaRegularizer);
    this.gammaRegularizer = regularizerOption(this, 'gammaRegularizer', args.gammaRegularizer);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length < 1) throw shapeError(this, 'input with at least one axis (the normalised channels)', inputShape);
    if (this.movingMean && inputShape[inputShape.length - 1] !== this.C)
      throw shapeError(this, `input with ${this.C} channels on the last axis`, inputShape);
    return inputShape;
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    this.rowsPerSample = product(inputShape, 0, inputShape.length - 1);
    if (!this.movingMean) {
      const C = (this.C = inputShape[inputShape.length - 1]), shape = [C];
      // Keras's order: gamma, beta, moving_mean, moving_variance.
      if (this.scale) this.gamma = this.addWeight({ name: 'gamma', shape, initializer: this.gammaInitializer, regularizer: this.gammaRegularizer });
      if (this.center) this.beta = this.addWeight({ name: 'beta', shape, initializer: this.betaInitializer, regularizer: this.betaRegularizer });
      this.movingMean = this.addWeight({ name: 'moving_mean', shape, initializer: this.movingMeanInitializer, trainable: false });
      this.movingVariance = this.addWeight({ name: 'moving_variance', shape, initializer: this.movingVarianceInitializer, trainable: false });
      this.inferScale = new Float32Array(C);
    }
    return out;
  }

  /** Saved mean and inverse standard deviation (C each). */
  override workspaceSize(_batch: number): number {
    return 2 * this.C;
  }

  /** Keras 3 uses batch statistics only when training AND the layer is trainable. */
  private usesBatchStats(ctx: RunContext): boolean {
    return ctx.training && this.trainable;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const N = ctx.batch * this.rowsPerSample, gamma = this.gamma ? this.gamma.value : null, beta = this.beta ? this.beta.value : null;
    if (this.usesBatchStats(ctx)) {
      const saved = this.views.get(io.ws, ctx.batch); // indexed, not destructured: no iterator per step
      ctx.addon.batchnormForwardTrain(ctx.backend, io.out, saved[0], saved[1], this.movingMean!.value,
        this.movingVariance!.value, io.inp, gamma, beta, N, this.C, this.momentum, this.epsilon);
    } else
      ctx.addon.batchnormForwardInfer(ctx.backend, io.out, io.inp, gamma, beta, this.movingMean!.value, this.movingVariance!.value,
        N, this.C, this.epsilon);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    const N = ctx.batch * this.rowsPerSample, C = this.C, gamma = this.gamma ? this.gamma.value : null;
    if (this.usesBatchStats(ctx)) {
      const dgamma = this.gamma ? this.gamma.grad : null, dbeta = this.beta ? this.beta.grad : null;
      if (io.dinp === null && dgamma === null && dbeta === null) return;
      const saved = this.views.get(io.ws, ctx.batch);
      ctx.addon.batchnormBackward(ctx.backend, io.dinp, dgamma, dbeta, io.dout, io.inp, gamma, saved[0], saved[1], N, C);
      return;
    }
    // Frozen: the moving statistics are constants, so dinp += dout · gamma / sqrt(movingVar + ε).
    // No kernel computes this, so on a device the buffers make a round trip through the host.
    const dinp = io.dinp;
    if (dinp === null) return;
    const m = ctx.memory, scale = this.inferScale, mv = this.movingVariance!.value, dout = io.dout;
    if (gamma) m.download(gamma);
    m.download(mv);
    m.download(dout);
    m.download(dinp);
    for (let c = 0; c < C; c++) scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(mv[c] + Math.fround(this.epsilon));
    for (let i = 0, n = N * C; i < n; i += C) for (let c = 0; c < C; c++) dinp[i + c] += dout[i + c] * scale[c];
    m.upload(dinp);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), axis: -1, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serialize(this.betaInitializer), gammaInitializer: serialize(this.gammaInitializer),
      movingMeanInitializer: serialize(this.movingMeanInitializer),
      movingVarianceInitializer: serialize(this.movingVarianceInitializer),
      betaRegularizer: serialize(this.betaRegularizer), gammaRegularizer: serialize(this.gammaRegularizer),
    };
  }
}
