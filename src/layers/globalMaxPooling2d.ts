/**
 * Keras `GlobalMaxPooling2D` (channels-last): the maximum over height and width per channel; the
 * gradient is shared equally among tied maxima (TensorFlow's reduce_max gradient).
 */
import type { LayerGradIO, LayerIO, RunContext } from '../engine/layer.js';
import { GlobalPooling2D, type GlobalPooling2DArgs } from './globalPooling2d.js';

export class GlobalMaxPooling2D extends GlobalPooling2D {
  override readonly className: string = 'GlobalMaxPooling2D';

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'global_max_pooling2d');
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.addon.globalMaxPoolForward(ctx.backend, io.out, io.inp, ctx.batch, this.S, this.C);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp !== null) ctx.addon.globalMaxPoolBackward(ctx.backend, io.dinp, io.dout, io.inp, ctx.batch, this.S, this.C);
  }
}
