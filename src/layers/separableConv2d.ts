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
import { type Size2, windowGeometry } from '../nativeConv.js';
import type { Regularizer } from '../regularizers.js';
import {
  type ActivationIdentifier, type ResolvedActivation, activationTailBackward, activationTailForward, fusable,
  resolveActivation,
} from './activations.js';
import {
  type InitializerLike, type LayerPadding, type RegularizerLike, WorkspaceViews, booleanOption, checkStridesDilation,
  initializerOption, layerWhere, optionWhere, paddingOption, positiveInt, regularizerOption, serialize, shapeError,
  sizePair,
} from './common.js';

export interface SeparableConv2DArgs extends LayerArgs {
  /** Output channels of the pointwise step, a positive integer. Required. */
  filters: number;
  /** Depthwise window `[kh, kw]`, or one number for both. Required. */
  kernelSize: Size2;
  /** Strides of the depthwise step. Defaults to `1`. */
  strides?: Size2;
  /** `'valid'` or `'same'`. Defaults to `'valid'`. */
  padding?: LayerPadding;
  /** Depthwise output channels per input channel. Defaults to `1`. */
  depthMultiplier?: number;
  /** Must be 1 when a stride is > 1. Defaults to `1`. */
  dilationRate?: Size2;
  /** Defaults to `'linear'` (none). */
  activation?: ActivationIdentifier | null;
  /** Defaults to `true`. */
  useBias?: boolean;
  /** Defaults to `'glorotUniform'`. */
  depthwiseInitializer?: InitializerLike;
  /** Defaults to `'glorotUniform'`. */
  pointwiseInitializer?: InitializerLike;
  /** Defaults to `'zeros'`. */
  biasInitializer?: InitializerLike;
  /** Defaults to none. */
  depthwiseRegularizer?: RegularizerLike | null;
  /** Defaults to none. */
  pointwiseRegularizer?: RegularizerLike | null;
  /** Defaults to none. */
  biasRegularizer?: RegularizerLike | null;
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

  private readonly act: ResolvedActivation;
  private H = 0; private W = 0; private C = 0; private OH = 0; private OW = 0; private padTop = 0; private padLeft = 0;
  private KH: number; private KW: number; private SH: number; private SW: number; private DH: number; private DW: number;
  // depthwise result, its gradient, then (with an activation) the pre-activation and its gradient
  private readonly views = new WorkspaceViews(this, (b) => {
    const mid = b * this.OH * this.OW * this.C * this.depthMultiplier, pre = b * this.OH * this.OW * this.filters;
    return this.act.linear ? [mid, mid] : [mid, mid, pre, pre];
  });

  constructor(args: SeparableConv2DArgs) {
    super(args, 'separable_conv2d');
    this.filters = positiveInt(this, 'filters', args.filters);
    this.kernelSize = sizePair(this, 'kernelSize', args.kernelSize, undefined);
    this.strides = sizePair(this, 'strides', args.strides, 1);
    this.padding = paddingOption(this, args.padding);
    this.depthMultiplier = args.depthMultiplier === undefined ? 1 : positiveInt(this, 'depthMultiplier', args.depthMultiplier);
    this.dilationRate = sizePair(this, 'dilationRate', args.dilationRate, 1);
    checkStridesDilation(this, this.strides, this.dilationRate);
    [this.KH, this.KW, this.SH, this.SW, this.DH, this.DW] = [...this.kernelSize, ...this.strides, ...this.dilationRate];
    this.act = resolveActivation(optionWhere(this, 'activation'), args.activation);
    this.activation = this.act.name;
    this.useBias = booleanOption(this, 'useBias', args.useBias, true);
    this.depthwiseInitializer = initializerOption(this, 'depthwiseInitializer', args.depthwiseInitializer, 'glorotUniform');
    this.pointwiseInitializer = initializerOption(this, 'pointwiseInitializer', args.pointwiseInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(this, 'biasInitializer', args.biasInitializer, 'zeros');
    this.depthwiseRegularizer = regularizerOption(this, 'depthwiseRegularizer', args.depthwiseRegularizer);
    this.pointwiseRegularizer = regularizerOption(this, 'pointwiseRegularizer', args.pointwiseRegularizer);
    this.biasRegularizer = regularizerOption(this, 'biasRegularizer', args.biasRegularizer);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 3)
      throw shapeError(this, 'input of rank 3 [height, width, channels]', inputShape,
        'Add a Reshape layer (e.g. targetShape [28, 28, 1]) or set inputShape.');
    if (this.depthwiseKernel && inputShape[2] !== this.C) throw shapeError(this, `input with ${this.C} channels`, inputShape);
    const g = windowGeometry({
      height: inputShape[0], width: inputShape[1], kernelSize: this.kernelSize, strides: this.strides,
      dilationRate: this.dilationRate, padding: this.padding,
    }, layerWhere(this));
    return [g.outHeight, g.outWidth, this.filters];
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    const g = windowGeometry({
      height: inputShape[0], width: inputShape[1], kernelSize: this.kernelSize, strides: this.strides,
      dilationRate: this.dilationRate, padding: this.padding,
    }, layerWhere(this));
    [this.H, this.W, this.OH, this.OW, this.padTop, this.padLeft] = [inputShape[0], inputShape[1], g.outHeight, g.outWidth, g.padTop, g.padLeft];
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
    const mid = batch * this.OH * this.OW * this.C * this.depthMultiplier, pre = batch * this.OH * this.OW * this.filters;
    return 2 * mid + (this.act.linear ? 0 : 2 * pre);
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const B = ctx.batch, v = this.views.get(io.ws, B), mid = v[0], CM = this.C * this.depthMultiplier;
    ctx.addon.depthwiseConv2dForward(ctx.backend, mid, io.inp, this.depthwiseKernel!.value, null, B, this.H, this.W, this.C,
      this.OH, this.OW, this.KH, this.KW, this.depthMultiplier, this.SH, this.SW, this.DH, this.DW, this.padTop, this.padLeft);
    const rows = B * this.OH * this.OW, pre = this.act.linear ? io.out : v[2];
    ctx.addon.denseForward(ctx.backend, pre, mid, this.pointwiseKernel!.value, this.bias ? this.bias.value : null, rows, CM,
      this.filters);
    if (!this.act.linear) activationTailForward(ctx, this.act, io.out, pre, rows, this.filters);
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    const B = ctx.batch, v = this.views.get(io.ws, B), CM = this.C * this.depthMultiplier, rows = B * this.OH * this.OW;
    const dk = this.depthwiseKernel!.grad, dpk = this.pointwiseKernel!.grad, dbias = this.bias ? this.bias.grad : null;
    if (io.dinp === null && dk === null) return;
    let d = io.dout;
    if (!this.act.linear && !fromPreActivation) {
      activationTailBackward(ctx, this.act, v[3], io.dout, v[2], io.out, rows, this.filters);
      d = v[3];
    }
    const dmid = v[1];
    dmid.fill(0); // denseBackward accumulates
    ctx.addon.denseBackward(ctx.backend, dmid, dpk, dbias, d, v[0], this.pointwiseKernel!.value, rows, CM, this.filters);
    ctx.addon.depthwiseConv2dBackward(ctx.backend, io.dinp, dk, null, dmid, io.inp, this.depthwiseKernel!.value, B, this.H,
      this.W, this.C, this.OH, this.OW, this.KH, this.KW, this.depthMultiplier, this.SH, this.SW, this.DH, this.DW,
      this.padTop, this.padLeft);
  }

  override fusableActivation(): 'softmax' | 'sigmoid' | undefined {
    return fusable(this.act);
  }

  override preActivation(io: LayerIO): Float32Array | undefined {
    if (fusable(this.act) === undefined) return undefined;
    return this.views.get(io.ws, io.out.length / (this.OH * this.OW * this.filters))[2];
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
