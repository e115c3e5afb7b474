/**
 * Keras `SeparableConv2D` (channels-last): a depthwise convolution (`depthMultiplier` filters per
 * input channel, with the strides and dilation) followed by a pointwise 1×1 convolution to
 * `filters` channels, plus bias. Weights as Keras: `depthwise_kernel [kh, kw, channels, M]`,
 * `pointwise_kernel [1, 1, channels·M, filters]`, `bias [filters]`.
 *
 * The pointwise step is a Dense over every pixel (the same GEMM), and the depthwise result is
 * kept in the workspace for backward.
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import type { Weight } from '../engine/weight.js';
import type { Initializer } from '../initializers/initializer.js';
import type { Regularizer } from '../regularizers.js';
import { type ActivationBiasArgs, type ActivationIdentifier, ActivationTail, LINEAR_KIND } from './activations.js';
import {
  type InitializerLike, type LayerPadding, type RegularizerLike, WorkspaceViews, booleanOption, initializerOption,
  positiveInt, regularizerOption, serialize, windowSizes,
} from './common.js';
import { type ConvWindowArgs, type DepthwiseArgs, convOutputShape, convWindowOptions } from './convCommon.js';

/** The window options (`kernelSize`, `strides`, `dilationRate`, `padding`) are those of the depthwise step. */
export interface SeparableConv2DArgs extends LayerArgs, ConvWindowArgs, DepthwiseArgs, ActivationBiasArgs {
  /** Output channels of the pointwise step, a positive integer. Required. */
  filters: number;
  /** Defaults to `'glorotUniform'`. */
  pointwiseInitializer?: InitializerLike;
  /** Defaults to none. */
  pointwiseRegularizer?: RegularizerLike | null;
}

export class SeparableConv2D extends Layer {
  override readonly className: string = 'SeparableConv2D';
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: LayerPadding;
  readonly depthMultiplier: number;
  readonly dilationRate: readonly [number, number];
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly pointwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | undefined;
  readonly pointwiseRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;
  depthwiseKernel: Weight | undefined;
  pointwiseKernel: Weight | undefined;
  bias: Weight | undefined;

  private readonly tail: ActivationTail;
  private H = 0; private W = 0; private C = 0; private OH = 0; private OW = 0; private padTop = 0; private padLeft = 0;
  private KH: number; private KW: number; private SH: number; private SW: number; private DH: number; private DW: number;
  // depthwise result, its gradient, then (with an activation) the pre-activation and its gradient
  private readonly views = new WorkspaceViews(this, (b) => {
    const mid = b * this.OH * this.OW * this.C * this.depthMultiplier, pre = b * this.OH * this.OW * this.filters;
    return this.tail.act.linear ? [mid, mid] : [mid, mid, pre, pre];
  });

  constructor(args: SeparableConv2DArgs) {
    super(args, 'separable_conv2d');
    this.filters = positiveInt(this, 'filters', args.filters);
    ({
      kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, depthMultiplier: this.depthMultiplier,
      dilationRate: this.dilationRate,
    } = convWindowOptions(this, args, true));
    [this.KH, this.KW, this.SH, this.SW, this.DH, this.DW] = [...this.kernelSize, ...this.strides, ...this.dilationRate];
    this.tail = new ActivationTail(this, args.activation, this.views, 2);
    this.activation = this.tail.act.name;
    this.useBias = booleanOption(this, 'useBias', args.useBias, true);
    this.depthwiseInitializer = initializerOption(this, 'depthwiseInitializer', args.depthwiseInitializer, 'glorotUniform');
    this.pointwiseInitializer = initializerOption(this, 'pointwiseInitializer', args.pointwiseInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(this, 'biasInitializer', args.biasInitializer, 'zeros');
    this.depthwiseRegularizer = regularizerOption(this, 'depthwiseRegularizer', args.depthwiseRegularizer);
    this.pointwiseRegularizer = regularizerOption(this, 'pointwiseRegularizer', args.pointwiseRegularizer);
    this.biasRegularizer = regularizerOption(this, 'biasRegularizer', args.biasRegularizer);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return convOutputShape(this, inputShape, this, this.depthwiseKernel ? this.C : undefined, this.filters);
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    [this.H, this.W, this.OH, this.OW, this.padTop, this.padLeft] = windowSizes(this, inputShape, this);
    if (!this.depthwiseKernel) {
      this.C = inputShape[2];
      this.depthwiseKernel = this.addWeight({
        name: 'depthwise_kernel', shape: [this.KH, this.KW, this.C, this.depthMultiplier],
        initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer,
      });
      this.pointwiseKernel = this.addWeight({
        name: 'pointwise_kernel', shape: [1, 1, this.C * this.depthMultiplier, this.filters],
        initializer: this.pointwiseInitializer, regularizer: this.pointwiseRegularizer,
      });
      if (this.useBias)
        this.bias = this.addWeight({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    }
    this.views.clear();
    return out;
  }

  override workspaceSize(batch: number): number {
    const mid = batch * this.OH * this.OW * this.C * this.depthMultiplier;
    return 2 * mid + this.tail.workspace(batch * this.OH * this.OW * this.filters);
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const B = ctx.batch, mid = this.views.get(io.ws, B)[0], CM = this.C * this.depthMultiplier;
    ctx.addon.depthwiseConv2dForward(ctx.backend, mid, io.inp, this.depthwiseKernel!.value, null, B, this.H, this.W, this.C,
      this.OH, this.OW, this.KH, this.KW, this.depthMultiplier, this.SH, this.SW, this.DH, this.DW, this.padTop, this.padLeft,
      LINEAR_KIND, 0);
    // The pointwise step is a Dense: its activation runs in place on the output when it can.
    const rows = B * this.OH * this.OW, pre = this.tail.target(ctx, io);
    ctx.addon.denseForward(ctx.backend, pre, mid, this.pointwiseKernel!.value, this.bias ? this.bias.value : null, rows, CM,
      this.filters);
    this.tail.forward(ctx, io, pre, rows, this.filters);
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    const B = ctx.batch, v = this.views.get(io.ws, B), CM = this.C * this.depthMultiplier, rows = B * this.OH * this.OW;
    const dk = this.depthwiseKernel!.grad, dpk = this.pointwiseKernel!.grad, dbias = this.bias ? this.bias.grad : null;
    if (io.dinp === null && dk === null) return;
    const d = this.tail.gradient(ctx, io, fromPreActivation, rows, this.filters);
    const dmid = v[1];
    ctx.memory.zero(dmid); // denseBackward accumulates
    ctx.addon.denseBackward(ctx.backend, dmid, dpk, dbias, d, v[0], this.pointwiseKernel!.value, rows, CM, this.filters);
    ctx.addon.depthwiseConv2dBackward(ctx.backend, io.dinp, dk, null, dmid, io.inp, this.depthwiseKernel!.value, B, this.H,
      this.W, this.C, this.OH, this.OW, this.KH, this.KW, this.depthMultiplier, this.SH, this.SW, this.DH, this.DW,
      this.padTop, this.padLeft);
  }

  override reluOutput(): boolean {
    return this.tail.reluOutput();
  }

  override fusableActivation(): 'softmax' | 'sigmoid' | undefined {
    return this.tail.fusable();
  }

  override preActivation(io: LayerIO): Float32Array | undefined {
    return this.tail.preActivation(io, this.OH * this.OW * this.filters);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides],
      padding: this.padding, depthMultiplier: this.depthMultiplier, dilationRate: [...this.dilationRate],
      activation: this.activation, useBias: this.useBias, depthwiseInitializer: serialize(this.depthwiseInitializer),
      pointwiseInitializer: serialize(this.pointwiseInitializer), biasInitializer: serialize(this.biasInitializer),
      depthwiseRegularizer: serialize(this.depthwiseRegularizer), pointwiseRegularizer: serialize(this.pointwiseRegularizer),
      biasRegularizer: serialize(this.biasRegularizer),
    };
  }
}
