/** Keras `AveragePooling2D` (channels-last): the mean of each window's in-bounds taps. */
import type { LayerGradIO, LayerIO, RunContext } from '../engine/layer.js';
import type { Size2 } from '../nativeConv.js';
import { Pooling2D, type Pooling2DArgs } from './pooling2d.js';

export interface AveragePooling2DArgs extends Pooling2DArgs {
  /** Window `[ph, pw]` or one number for both. Required, as in Keras 3 (which has no default). */
  poolSize: Size2;
}

export class AveragePooling2D extends Pooling2D {
  override readonly className: string = 'AveragePooling2D';

  constructor(args: AveragePooling2DArgs) {
    super(args, 'average_pooling2d', undefined);
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.addon.avgPool2dForward(ctx.backend, io.out, io.inp, ctx.batch, this.H, this.W, this.C, this.OH, this.OW, this.PH,
      this.PW, this.SH, this.SW, this.padTop, this.padLeft);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp === null) return;
    ctx.addon.avgPool2dBackward(ctx.backend, io.dinp, io.dout, ctx.batch, this.H, this.W, this.C, this.OH, this.OW,
      this.PH, this.PW, this.SH, this.SW, this.padTop, this.padLeft);
  }
}
