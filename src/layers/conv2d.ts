/**
 * Keras `Conv2D` (channels-last): input `[height, width, channels]`, kernel
 * `[kh, kw, channels, filters]`, output `[outHeight, outWidth, filters]` with TensorFlow's 'same'
 * padding (the odd pixel at the bottom/right).
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

export interface Conv2DArgs extends LayerArgs {
  /** Output channels, a positive integer. Required. */
  filters: number;
  /** Window `[kh, kw]`, or one number for both. Required. */
  kernelSize: Size2;
  /** Defaults to `1`. */
  strides?: Size2;
  /** `'valid'` (no padding) or `'same'` (output = ceil(input / stride)). Defaults to `'valid'`. */
  padding?: LayerPadding;
  /** Dilation of the window; must be 1 when a stride is > 1 (as Keras). Defaults to `1`. */
  dilationRate?: Size2;
  /** Activation applied to the output. Defaults to `'linear'` (none). */
  activation?: ActivationIdentifier | null;
  /** Add a bias per filter. Defaults to `true`. */
  useBias?: boolean;
  /** Defaults to `'glorotUniform'`. */
  kernelInitializer?: InitializerLike;
  /** Defaults to `'zeros'`. */
  biasInitializer?: InitializerLike;
  /** Defaults to none. */
  kernelRegularizer?: RegularizerLike | null;
  /** Defaults to none. */
  biasRegularizer?: RegularizerLike | null;
}

export class Conv2D extends Layer {
  override readonly className: string = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: LayerPadding;
  readonly dilationRate: readonly [number, number];
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;
  kernel: Weight | undefined;
  bias: Weight | undefined;

  private readonly act: ResolvedActivation;
  // Geometry without the batch, fixed at build so a step only passes numbers.
  private H = 0; private W = 0; private C = 0; private OH = 0; private OW = 0; private padTop = 0; private padLeft = 0;
  private readonly views = new WorkspaceViews(this, (b) => {
    const n = b * this.OH * this.OW * this.filters;
    return [n, n];
  });

  constructor(args: Conv2DArgs) {
    super(args, 'conv2d');
    this.filters = positiveInt(this, 'filters', args.filters);
    this.kernelSize = sizePair(this, 'kernelSize', args.kernelSize, undefined);
    this.strides = sizePair(this, 'strides', args.strides, 1);
    this.padding = paddingOption(this, args.padding);
    this.dilationRate = sizePair(this, 'dilationRate', args.dilationRate, 1);
    checkStridesDilation(this, this.strides, this.dilationRate);
    this.act = resolveActivation(optionWhere(this, 'activation'), args.activation);
    this.activation = this.act.name;
    this.useBias = booleanOption(this, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerOption(this, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(this, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(this, 'kernelRegularizer', args.kernelRegularizer);
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
    return [g.outHeight, g.outWidth, this.filters];
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
        name: 'kernel', shape: [...this.kernelSize, this.C, this.filters], initializer: this.kernelInitializer,
        regularizer: this.kernelRegularizer,
      });
      if (this.useBias)
        this.bias = this.addWeight({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    }
    this.views.clear();
    return out;
  }

  override workspaceSize(batch: number): number {
    return this.act.linear ? 0 : 2 * batch * this.OH * this.OW * this.filters;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const B = ctx.batch, bias = this.bias ? this.bias.value : null;
    const pre = this.act.linear ? io.out : this.views.get(io.ws, B)[0];
    ctx.addon.conv2dForward(ctx.backend, pre, io.inp, this.kernel!.value, bias, B, this.H, this.W, this.C, this.OH, this.OW,
      this.kernelSize[0], this.kernelSize[1], this.filters, this.strides[0], this.strides[1], this.dilationRate[0],
      this.dilationRate[1], this.padTop, this.padLeft);
    if (!this.act.linear) activationTailForward(ctx, this.act, io.out, pre, B * this.OH * this.OW, this.filters);
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    const B = ctx.batch, kernel = this.kernel!, dkernel = kernel.grad, dbias = this.bias ? this.bias.grad : null;
    if (io.dinp === null && dkernel === null) return;
    let d = io.dout;
    if (!this.act.linear && !fromPreActivation) {
      const v = this.views.get(io.ws, B);
      activationTailBackward(ctx, this.act, v[1], io.dout, v[0], io.out, B * this.OH * this.OW, this.filters);
      d = v[1];
    }
    // Indexing rather than destructuring: destructuring may allocate an iterator per call.
    const kh = this.kernelSize[0], kw = this.kernelSize[1], sh = this.strides[0], sw = this.strides[1];
    const dh = this.dilationRate[0], dw = this.dilationRate[1];
    if (io.dinp !== null)
      ctx.addon.conv2dBackwardData(ctx.backend, io.dinp, d, kernel.value, B, this.H, this.W, this.C, this.OH, this.OW,
        kh, kw, this.filters, sh, sw, dh, dw, this.padTop, this.padLeft);
    if (dkernel !== null)
      ctx.addon.conv2dBackwardFilter(ctx.backend, dkernel, dbias, d, io.inp, B, this.H, this.W, this.C, this.OH, this.OW,
        kh, kw, this.filters, sh, sw, dh, dw, this.padTop, this.padLeft);
  }

  override fusableActivation(): 'softmax' | 'sigmoid' | undefined {
    return fusable(this.act);
  }

  override preActivation(io: LayerIO): Float32Array | undefined {
    if (fusable(this.act) === undefined) return undefined;
    return this.views.get(io.ws, io.out.length / (this.OH * this.OW * this.filters))[0];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides],
      padding: this.padding, dilationRate: [...this.dilationRate], activation: this.activation, useBias: this.useBias,
      kernelInitializer: serialize(this.kernelInitializer), biasInitializer: serialize(this.biasInitializer),
      kernelRegularizer: serialize(this.kernelRegularizer), biasRegularizer: serialize(this.biasRegularizer),
    };
  }
}
