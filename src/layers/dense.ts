/**
 * Keras `Dense`: `out = activation(inp · kernel + bias)` on the last axis, kernel `[inputs, units]`.
 * Like Keras, an input of higher rank is transformed along its last axis (`[..., inputs]` →
 * `[..., units]`).
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type OuterGradient, type RunContext } from '../engine/layer.js';
import type { Weight } from '../engine/weight.js';
import { type ActivationBiasArgs, type ActivationIdentifier, ActivationTail } from './activations.js';
import {
  type InitializerLike, type RegularizerLike, WorkspaceViews, booleanOption, initializerOption, positiveInt, product,
  regularizerOption, serialize, shapeError,
} from './common.js';
import type { Initializer } from '../initializers/initializer.js';
import type { Regularizer } from '../regularizers.js';

export interface DenseArgs extends LayerArgs, ActivationBiasArgs {
  /** Output features, a positive integer. Required. */
  units: number;
  /** Initializer of the kernel `[inputs, units]`. Defaults to `'glorotUniform'`. */
  kernelInitializer?: InitializerLike;
  /** Penalty on the kernel (e.g. `regularizers.l2(0.01)`). Defaults to none. */
  kernelRegularizer?: RegularizerLike | null;
}

export class Dense extends Layer {
  override readonly className: string = 'Dense';
  readonly units: number;
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;
  /** `[inputs, units]`; set by build. */
  kernel: Weight | undefined;
  /** `[units]`, or undefined without bias. */
  bias: Weight | undefined;

  private readonly tail: ActivationTail;
  private inputs = 0;
  /** Rows per sample: the product of the input's leading axes (1 for a vector input). */
  private rowsPerSample = 1;
  // pre-activation and its gradient, each (batch·rowsPerSample, units)
  private readonly views = new WorkspaceViews(this, (b) => {
    const n = b * this.rowsPerSample * this.units;
    return [n, n];
  });

  constructor(args: DenseArgs) {
    super(args, 'dense');
    this.units = positiveInt(this, 'units', args.units);
    this.tail = new ActivationTail(this, args.activation, this.views);
    this.activation = this.tail.act.name;
    this.useBias = booleanOption(this, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerOption(this, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(this, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(this, 'kernelRegularizer', args.kernelRegularizer);
    this.biasRegularizer = regularizerOption(this, 'biasRegularizer', args.biasRegularizer);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    const n = inputShape.length, features = inputShape[n - 1];
    if (n < 1) throw shapeError(this, 'input with at least one axis (features)', inputShape, 'Set inputShape on the first layer.');
    if (this.kernel && features !== this.inputs)
      throw shapeError(this, `input with ${this.inputs} features`, inputShape, 'Add a Flatten layer or set inputShape.');
    return [...inputShape.slice(0, -1), this.units];
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    this.rowsPerSample = product(inputShape, 0, inputShape.length - 1);
    if (!this.kernel) {
      this.inputs = inputShape[inputShape.length - 1];
      this.kernel = this.addWeight({
        name: 'kernel', shape: [this.inputs, this.units], initializer: this.kernelInitializer, regularizer: this.kernelRegularizer,
      });
      if (this.useBias)
        this.bias = this.addWeight({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    }
    this.views.clear();
    return out;
  }

  override workspaceSize(batch: number): number {
    return this.tail.workspace(batch * this.rowsPerSample * this.units);
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const rows = ctx.batch * this.rowsPerSample, kernel = this.kernel!.value, bias = this.bias ? this.bias.value : null;
    const pre = this.tail.target(ctx, io);
    ctx.addon.denseForward(ctx.backend, pre, io.inp, kernel, bias, rows, this.inputs, this.units);
    this.tail.forward(ctx, io, pre, rows, this.units);
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    const rows = ctx.batch * this.rowsPerSample, kernel = this.kernel!;
    const dkernel = kernel.grad, dbias = this.bias ? this.bias.grad : null;
    if (io.dinp === null && dkernel === null && dbias === null) return;
    const d = this.tail.gradient(ctx, io, fromPreActivation, rows, this.units);
    ctx.addon.denseBackward(ctx.backend, io.dinp, dkernel, dbias, d, io.inp, kernel.value, rows, this.inputs, this.units);
  }

  /**
   * @internal At one row per step the kernel's gradient is inpᵀ·d, an outer product, and the
   * bias's is d: the optimizer generates both (kerno_outer_grad) instead of this layer writing
   * 4·inputs·units bytes of gradient for it to read back. Regularized weights need theirs in the arena.
   */
  override outerGradients(batch: number, io: LayerIO): readonly OuterGradient[] {
    const kernel = this.kernel!, bias = this.bias;
    if (batch * this.rowsPerSample !== 1 || kernel.grad === null || kernel.regularizer) return [];
    if (bias && bias.grad !== null && bias.regularizer) return [];
    const list: OuterGradient[] = [{ weight: kernel, rows: this.inputs, cols: this.units, u: io.inp }];
    if (bias && bias.grad !== null) list.push({ weight: bias, rows: 1, cols: this.units, u: null });
    return list;
  }

  /** @internal */
  override backwardOuter(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): Float32Array {
    const d = this.tail.gradient(ctx, io, fromPreActivation, 1, this.units);
    if (io.dinp !== null)
      ctx.addon.denseBackward(ctx.backend, io.dinp, null, null, d, io.inp, this.kernel!.value, 1, this.inputs, this.units);
    return d;
  }

  override reluOutput(): boolean {
    return this.tail.reluOutput();
  }

  override fusableActivation(): 'softmax' | 'sigmoid' | undefined {
    return this.tail.fusable();
  }

  override preActivation(io: LayerIO): Float32Array | undefined {
    return this.tail.preActivation(io, this.rowsPerSample * this.units);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), units: this.units, activation: this.activation, useBias: this.useBias,
      kernelInitializer: serialize(this.kernelInitializer), biasInitializer: serialize(this.biasInitializer),
      kernelRegularizer: serialize(this.kernelRegularizer), biasRegularizer: serialize(this.biasRegularizer),
    };
  }
}
