/**
 * Keras `DepthwiseConv2D` (channels-last): each input channel is convolved with its own
 * `depthMultiplier` filters; kernel `[kh, kw, channels, depthMultiplier]` (named `'kernel'`, as
 * Keras 3), output channel `c·depthMultiplier + m` from input channel `c`.
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

export interface DepthwiseConv2DArgs extends LayerArgs {
  /** Window `[kh, kw]`, or one number for both. Required. */
  kernelSize: Size2;
  /** Defaults to `1`. */
  strides?: Size2;
  /** `'valid'` or `'same'`. Defaults to `'valid'`. */
  padding?: LayerPadding;
  /** Output channels per input channel. Defaults to `1`. */
  depthMultiplier?: number;
  /** Must be 1 when a stride is > 1. Defaults to `1`. */
  dilationRate?: Size2;
  /** Defaults to `'linear'` (none). */
  activation?: ActivationIdentifier | null;
  /** Defaults to `true`. */
  useBias?: boolean;
  /** Initializer of the depthwise kernel. Defaults to `'glorotUniform'`. */
  depthwiseInitializer?: InitializerLike;
  /** Defaults to `'zeros'`. */
  biasInitializer?: InitializerLike;
  /** Defaults to none. */
  depthwiseRegularizer?: RegularizerLike | null;
  /** Defaults to none. */
  biasRegularizer?: RegularizerLike | null;
}

export class DepthwiseConv2D extends Layer {
  override readonly className: string = 'DepthwiseConv2D';
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: LayerPadding;
  readonly depthMultiplier: number;
  readonly dilationRate: readonly [number, number];
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;
  /** `[kh, kw, channels, depthMultiplier]`. */
  kernel: Weight | undefined;
  /** `[channels · depthMultiplier]`. */
  bias: Weight | undefined;

  private readonly act: ResolvedActivation;
  private H = 0; private W = 0; private C = 0; private OH = 0; private OW = 0; private padTop = 0; private padLeft = 0;
  private KH: number; private KW: number; private SH: number; private SW: number; private DH: number; private DW: number;
  private readonly views = new WorkspaceViews(this, (b) => {
    const n = b * this.OH * this.OW * this.C * this.depthMultiplier;
    return [n, n];
  });

  constructor(args: DepthwiseConv2DArgs) {
    super(args, 'depthwise_conv2d');
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
    this.biasInitializer = initializerOption(this, 'biasInitializer', args.biasInitializer, 'zeros');
    this.depthwiseRegularizer = regularizerOption(this, 'depthwiseRegularizer', args.depthwiseRegularizer);
    this.biasRegularizer = regularizerOption(this, 'biasRegularizer', args.biasRegularizer);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 3)
      throw shapeError(this, 'input of rank 3 [height, width, channels]', inputShape,
        'Add a Reshape layer (e.g. targetShape [28, 28, 1]) or set inputShape.');
    if (this.kernel && inputShape[2] !== this.C) throw shapeError(this, `input with ${this.C} channels`, inputShape);
    const g = windowGeometry({
      height: inputShape[0], width: inputShape[1], kernelSize: this.kernelSize, strides: this.strides,
      dilationRate: this.dilationRate, padding: this.padding,
    }, layerWhere(this));
    return [g.outHeight, g.outWidth, inputShape[2] * this.depthMultiplier];
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    const g = windowGeometry({
      height: inputShape[0], width: inputShape[1], kernelSize: this.kernelSize, strides: this.strides,
      dilationRate: this.dilationRate, padding: this.padding,
    }, layerWhere(this));
    [this.H, this.W, this.OH, this.OW, this.padTop, this.padLeft] = [inputShape[0], inputShape[1], g.outHeight, g.outWidth, g.padTop, g.padLeft];
    if (!this.kernel) {
      this.C = inputShape[2];
      this.kernel = this.addWeight({
        name: 'kernel', shape: [this.KH, this.KW, this.C, this.depthMultiplier], initializer: this.depthwiseInitializer,
        regularizer: this.depthwiseRegularizer,
      });
      if (this.useBias)
        this.bias = this.addWeight({
          name: 'bias', shape: [this.C * this.depthMultiplier], initializer: this.biasInitializer, regularizer: this.biasRegularizer,
        });
    }
    this.views.clear();
    return out;
  }

  override workspaceSize(batch: number): number {
    return this.act.linear ? 0 : 2 * batch * this.OH * this.OW * this.C * this.depthMultiplier;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const B = ctx.batch, bias = this.bias ? this.bias.value : null;
    const pre = this.act.linear ? io.out : this.views.get(io.ws, B)[0];
    ctx.addon.depthwiseConv2dForward(ctx.backend, pre, io.inp, this.kernel!.value, bias, B, this.H, this.W, this.C, this.OH,
      this.OW, this.KH, this.KW, this.depthMultiplier, this.SH, this.SW, this.DH, this.DW, this.padTop, this.padLeft);
    if (!this.act.linear)
      activationTailForward(ctx, this.act, io.out, pre, B * this.OH * this.OW, this.C * this.depthMultiplier);
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    const B = ctx.batch, kernel = this.kernel!, dkernel = kernel.grad, dbias = this.bias ? this.bias.grad : null;
    if (io.dinp === null && dkernel === null) return;
    let d = io.dout;
    if (!this.act.linear && !fromPreActivation) {
      const v = this.views.get(io.ws, B);
      activationTailBackward(ctx, this.act, v[1], io.dout, v[0], io.out, B * this.OH * this.OW, this.C * this.depthMultiplier);
      d = v[1];
    }
    ctx.addon.depthwiseConv2dBackward(ctx.backend, io.dinp, dkernel, dbias, d, io.inp, kernel.value, B, this.H, this.W, this.C,
      this.OH, this.OW, this.KH, this.KW, this.depthMultiplier, this.SH, this.SW, this.DH, this.DW, this.padTop, this.padLeft);
  }

  override fusableActivation(): 'softmax' | 'sigmoid' | undefined {
    return fusable(this.act);
  }

  override preActivation(io: LayerIO): Float32Array | undefined {
    if (fusable(this.act) === undefined) return undefined;
    return this.views.get(io.ws, io.out.length / (this.OH * this.OW * this.C * this.depthMultiplier))[0];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      depthMultiplier: this.depthMultiplier, dilationRate: [...this.dilationRate], activation: this.activation,
      useBias: this.useBias, depthwiseInitializer: serialize(this.depthwiseInitializer),
      biasInitializer: serialize(this.biasInitializer), depthwiseRegularizer: serialize(this.depthwiseRegularizer),
      biasRegularizer: serialize(this.biasRegularizer),
    };
  }
}
