/** Keras `Flatten`: `[d1, d2, ...]` → `[d1·d2·...]` per sample (row-major, so the data is unchanged). */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import { LINEAR_KIND } from './activations.js';
import { product } from './common.js';

export class Flatten extends Layer {
  override readonly className: string = 'Flatten';

  constructor(args: LayerArgs = {}) {
    super(args, 'flatten');
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return [product(inputShape)];
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.memory.copy(io.out, io.inp);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    // The identity activation's backward is an accumulating copy: dinp += dout.
    if (io.dinp !== null) ctx.addon.activationBackward(ctx.backend, io.dinp, io.dout, io.inp, io.out, LINEAR_KIND, 0);
  }
}
