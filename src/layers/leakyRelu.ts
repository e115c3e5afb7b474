/** Keras `LeakyReLU`: `x` for x ≥ 0, `negativeSlope · x` below (Keras 3 default slope 0.3). */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import { LEAKY_RELU_KIND } from './activations.js';
import { finiteNumber } from './common.js';

export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for negative inputs, ≥ 0. Defaults to `0.3` (Keras 3's `negative_slope`). */
  negativeSlope?: number;
}

export class LeakyReLU extends Layer {
  override readonly className: string = 'LeakyReLU';
  readonly negativeSlope: number;

  constructor(args: LeakyReLUArgs = {}) {
    super(args, 'leaky_re_lu');
    this.negativeSlope = args.negativeSlope === undefined ? 0.3 : finiteNumber(this, 'negativeSlope', args.negativeSlope, 0);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return inputShape;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.addon.activationForward(ctx.backend, io.out, io.inp, LEAKY_RELU_KIND, this.negativeSlope);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp !== null)
      ctx.addon.activationBackward(ctx.backend, io.dinp, io.dout, io.inp, io.out, LEAKY_RELU_KIND, this.negativeSlope);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope };
  }
}
