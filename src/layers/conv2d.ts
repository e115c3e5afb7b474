/**
 * Keras `Conv2D` (channels-last): input `[height, width, channels]`, kernel
 * `[kh, kw, channels, filters]`, output `[outHeight, outWidth, filters]` with TensorFlow's 'same'
 * padding (the odd pixel at the bottom/right).
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import type { Weight } from '../engine/weight.js';
import type { Initializer } from '../initializers/initializer.js';
import type { Regularizer } from '../regularizers.js';
import { type ActivationBiasArgs, type ActivationIdentifier, ActivationTail } from './activations.js';
import {
  type InitializerLike, type LayerPadding, type RegularizerLike, WorkspaceViews, booleanOption, initializerOption,
  positiveInt, regularizerOption, serialize, windowSizes,
} from './common.js';
import { ChunkViews, type ConvWindowArgs, FUSED_CHUNK_FLOATS, convOutputShape, convWindowOptions } from './convCommon.js';
import { MaxPooling2D } from './maxPooling2d.js';

export interface Conv2DArgs extends LayerArgs, ConvWindowArgs, ActivationBiasArgs {
  /** Output channels, a positive integer. Required. */
  filters: number;
  /** Defaults to `'glorotUniform'`. */
  kernelInitializer?: InitializerLike;
  /** Defaults to none. */
  kernelRegularizer?: RegularizerLike | null;
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

  private readonly tail: ActivationTail;
  // Geometry without the batch, fixed at build so a step only passes numbers.
  private H = 0; private W = 0; private C = 0; private OH = 0; private OW = 0; private padTop = 0; private padLeft = 0;
  // the pre-activation and its gradient (used only with an activation)
  private readonly views = new WorkspaceViews(this, (b) => {
    const n = b * this.OH * this.OW * this.filters;
    return [n, n];
  });

  // inputs and pooled outputs of the fused inference's chunks (forwardFused)
  private readonly chunks = new ChunkViews();

  constructor(args: Conv2DArgs) {
    super(args, 'conv2d');
    this.filters = positiveInt(this, 'filters', args.filters);
    ({ kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate } =
      convWindowOptions(this, args, false));
    this.tail = new ActivationTail(this, args.activation, this.views);
    this.activation = this.tail.act.name;
    this.useBias = booleanOption(this, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerOption(this, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(this, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(this, 'kernelRegularizer', args.kernelRegularizer);
    this.biasRegularizer = regularizerOption(this, 'biasRegularizer', args.biasRegularizer);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return convOutputShape(this, inputShape, this, this.kernel ? this.C : undefined, this.filters);
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    [this.H, this.W, this.OH, this.OW, this.padTop, this.padLeft] = windowSizes(this, inputShape, this);
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
    return this.tail.workspace(batch * this.OH * this.OW * this.filters);
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const B = ctx.batch, bias = this.bias ? this.bias.value : null, pre = this.tail.target(ctx, io), tail = this.tail;
    // The activation runs in the kernel's output stage when it can (tail.kernelKind), else after it.
    ctx.addon.conv2dForward(ctx.backend, pre, io.inp, this.kernel!.value, bias, B, this.H, this.W, this.C, this.OH, this.OW,
      this.kernelSize[0], this.kernelSize[1], this.filters, this.strides[0], this.strides[1], this.dilationRate[0],
      this.dilationRate[1], this.padTop, this.padLeft, tail.kernelKind(ctx), tail.act.alpha);
    tail.forward(ctx, io, pre, B * this.OH * this.OW, this.filters, true);
  }

  /**
   * Inference with a MaxPooling2D next: the batch in chunks whose conv output (about 1 MiB) is
   * pooled while still in cache, rather than the whole output crossing memory twice; the chunk's
   * conv output goes to the pre-activation view, which an activation run on the output leaves
   * free. Bit-for-bit the unfused results (every output pixel is computed alone). Measured on the
   * reference CNN at batch 128: its two conv + pool pairs 12% faster. Not on a device: there the
   * chunks would be launches over a dozen images each, which leave most of a GPU idle (predict on
   * an H200 ran at the same 200,000 images/s for every batch size).
   */
  override forwardFused(ctx: RunContext, io: LayerIO, next: Layer, nextIo: LayerIO): boolean {
    const tail = this.tail, B = ctx.batch, per = this.OH * this.OW * this.filters;
    const chunk = Math.max(1, Math.floor(FUSED_CHUNK_FLOATS / per));
    if (ctx.training || ctx.memory.onDevice || !(next instanceof MaxPooling2D) || !tail.onOutput(ctx) || B <= chunk) return false;
    const scratch = this.views.get(io.ws, B)[0], parts = this.chunks.get(io.inp, nextIo.out, B, chunk);
    const bias = this.bias ? this.bias.value : null, kernel = this.kernel!.value, kind = tail.kernelKind(ctx);
    for (let c = 0, b0 = 0; b0 < B; c += 2, b0 += chunk) {
      const n = Math.min(chunk, B - b0);
      ctx.addon.conv2dForward(ctx.backend, scratch, parts[c], kernel, bias, n, this.H, this.W, this.C, this.OH, this.OW,
        this.kernelSize[0], this.kernelSize[1], this.filters, this.strides[0], this.strides[1], this.dilationRate[0],
        this.dilationRate[1], this.padTop, this.padLeft, kind, tail.act.alpha);
      next.forwardImages(ctx, parts[c + 1], scratch, n);
    }
    return true;
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    const B = ctx.batch, kernel = this.kernel!, dkernel = kernel.grad, dbias = this.bias ? this.bias.grad : null;
    if (io.dinp === null && dkernel === null) return;
    const d = this.tail.gradient(ctx, io, fromPreActivation, B * this.OH * this.OW, this.filters);
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
      padding: this.padding, dilationRate: [...this.dilationRate], activation: this.activation, useBias: this.useBias,
      kernelInitializer: serialize(this.kernelInitializer), biasInitializer: serialize(this.biasInitializer),
      kernelRegularizer: serialize(this.kernelRegularizer), biasRegularizer: serialize(this.biasRegularizer),
    };
  }
}
