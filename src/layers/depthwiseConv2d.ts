/**
 * Keras `DepthwiseConv2D` (channels-last): each input channel is convolved with its own
 * `depthMultiplier` filters; kernel `[kh, kw, channels, depthMultiplier]` (named `'kernel'`, as
 * Keras 3), output channel `c·depthMultiplier + m` from input channel `c`.
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import type { Weight } from '../engine/weight.js';
import type { Initializer } from '../initializers/initializer.js';
import type { Regularizer } from '../regularizers.js';
import { type ActivationBiasArgs, type ActivationIdentifier, ActivationTail } from './activations.js';
import {
  type LayerPadding, WorkspaceViews, booleanOption, initializerOption, regularizerOption, serialize, windowSizes,
} from './common.js';
import { type ConvWindowArgs, type DepthwiseArgs, convOutputShape, convWindowOptions } from './convCommon.js';

/** The window, depthwise, activation and bias options; DepthwiseConv2D has no others. */
export interface DepthwiseConv2DArgs extends LayerArgs, ConvWindowArgs, DepthwiseArgs, ActivationBiasArgs {}

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

  private readonly tail: ActivationTail;
  private H = 0; private W = 0; private C = 0; private OH = 0; private OW = 0; private padTop = 0; private padLeft = 0;
  private KH: number; private KW: number; private SH: number; private SW: number; private DH: number; private DW: number;
  // the pre-activation and its gradient (used only with an activation)
  private readonly views = new WorkspaceViews(this, (b) => {
    const n = b * this.OH * this.OW * this.C * this.depthMultiplier;
    return [n, n];
  });

  constructor(args: DepthwiseConv2DArgs) {
    super(args, 'depthwise_conv2d');
    ({
      kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, depthMultiplier: this.depthMultiplier,
      dilationRate: this.dilationRate,
    } = convWindowOptions(this, args, true));
    [this.KH, this.KW, this.SH, this.SW, this.DH, this.DW] = [...this.kernelSize, ...this.strides, ...this.dilationRate];
    this.tail = new ActivationTail(this, args.activation, this.views);
    this.activation = this.tail.act.name;
    this.useBias = booleanOption(this, 'useBias', args.useBias, true);
    this.depthwiseInitializer = initializerOption(this, 'depthwiseInitializer', args.depthwiseInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(this, 'biasInitializer', args.biasInitializer, 'zeros');
    this.depthwiseRegularizer = regularizerOption(this, 'depthwiseRegularizer', args.depthwiseRegularizer);
    this.biasRegularizer = regularizerOption(this, 'biasRegularizer', args.biasRegularizer);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return convOutputShape(this, inputShape, this, this.kernel ? this.C : undefined, inputShape[2] * this.depthMultiplier);
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    [this.H, this.W, this.OH, this.OW, this.padTop, this.padLeft] = windowSizes(this, inputShape, this);
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
    return this.tail.workspace(batch * this.OH * this.OW * this.C * this.depthMultiplier);
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const B = ctx.batch, bias = this.bias ? this.bias.value : null, pre = this.tail.target(ctx, io), tail = this.tail;
    // The activation runs in the kernel's output stage when it can (tail.kernelKind), else after it.
    ctx.addon.depthwiseConv2dForward(ctx.backend, pre, io.inp, this.kernel!.value, bias, B, this.H, this.W, this.C, this.OH,
      this.OW, this.KH, this.KW, this.depthMultiplier, this.SH, this.SW, this.DH, this.DW, this.padTop, this.padLeft,
      tail.kernelKind(ctx), tail.act.alpha);
    tail.forward(ctx, io, pre, B * this.OH * this.OW, this.C * this.depthMultiplier, true);
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    const B = ctx.batch, kernel = this.kernel!, dkernel = kernel.grad, dbias = this.bias ? this.bias.grad : null;
    if (io.dinp === null && dkernel === null) return;
    const d = this.tail.gradient(ctx, io, fromPreActivation, B * this.OH * this.OW, this.C * this.depthMultiplier);
    ctx.addon.depthwiseConv2dBackward(ctx.backend, io.dinp, dkernel, dbias, d, io.inp, kernel.value, B, this.H, this.W, this.C,
      this.OH, this.OW, this.KH, this.KW, this.depthMultiplier, this.SH, this.SW, this.DH, this.DW, this.padTop, this.padLeft);
  }

  override reluOutput(): boolean {
    return this.tail.reluOutput();
  }

  override fusableActivation(): 'softmax' | 'sigmoid' | undefined {
    return this.tail.fusable();
  }

  override preActivation(io: LayerIO): Float32Array | undefined {
    return this.tail.preActivation(io, this.OH * this.OW * this.C * this.depthMultiplier);
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
