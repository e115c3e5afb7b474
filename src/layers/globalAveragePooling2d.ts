/** Keras `GlobalAveragePooling2D` (channels-last): the mean over height and width per channel. */
import type { LayerGradIO, LayerIO, RunContext } from '../engine/layer.js';
import { GlobalPooling2D, type GlobalPooling2DArgs } from './globalPooling2d.js';

export class GlobalAveragePooling2D extends GlobalPooling2D {
  override readonly className: string = 'GlobalAveragePooling2D';

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'global_average_pooling2d');
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.addon.globalAvgPoolForward(ctx.backend, io.out, io.inp, ctx.batch, this.S, this.C);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp !== null) ctx.addon.globalAvgPoolBackward(ctx.backend, io.dinp, io.dout, ctx.batch, this.S, this.C);
  }
}
