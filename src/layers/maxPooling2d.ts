/** Keras `MaxPooling2D` (channels-last): the maximum of each `poolSize` window. */
import type { Layer, LayerGradIO, LayerIO, RunContext } from '../engine/layer.js';
import type { Size2 } from '../nativeConv.js';
import { Pooling2D, type Pooling2DArgs } from './pooling2d.js';

export interface MaxPooling2DArgs extends Pooling2DArgs {
  /** Window `[ph, pw]` or one number for both. Defaults to `2`. */
  poolSize?: Size2;
}

export class MaxPooling2D extends Pooling2D {
  override readonly className: string = 'MaxPooling2D';

  constructor(args: MaxPooling2DArgs = {}) {
    super(args, 'max_pooling2d', 2);
  }

  forward(ctx: RunContext, io: LayerIO): void {
    this.forwardImages(ctx, io.out, io.inp, ctx.batch);
  }

  /**
   * The forward of `images` samples, `inp` and `out` holding at least that many; for a producer
   * that runs this layer on parts of the batch (Conv2D's fused inference, Layer.forwardFused).
   */
  forwardImages(ctx: RunContext, out: Float32Array, inp: Float32Array, images: number): void {
    ctx.addon.maxPool2dForward(ctx.backend, out, inp, images, this.H, this.W, this.C, this.OH, this.OW, this.PH,
      this.PW, this.SH, this.SW, this.padTop, this.padLeft);
  }

  /** After a ReLU, backward can write the ReLU's input gradient (max_pool2d_relu_backward). */
  override backwardFusable(prev: Layer): boolean {
    return prev.reluOutput();
  }

  /** Backward and the previous layer's ReLU backward in one pass that writes `io.dinp` whole. */
  override backwardFused(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp === null) return;
    ctx.addon.maxPool2dReluBackward(ctx.backend, io.dinp, io.dout, io.inp, ctx.batch, this.H, this.W, this.C, this.OH,
      this.OW, this.PH, this.PW, this.SH, this.SW, this.padTop, this.padLeft);
  }

  /** Routes each window's gradient to its first maximum (recomputed from the input). */
  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp === null) return;
    ctx.addon.maxPool2dBackward(ctx.backend, io.dinp, io.dout, io.inp, ctx.batch, this.H, this.W, this.C, this.OH, this.OW,
      this.PH, this.PW, this.SH, this.SW, this.padTop, this.padLeft);
  }
}
