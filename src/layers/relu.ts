/**
 * Keras `ReLU` layer: `x` for x ≥ 0, `negativeSlope · x` below. Keras's `maxValue` and `threshold`
 * are not offered (the native kernels do not compute them).
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import { LEAKY_RELU_KIND, RELU_KIND } from './activations.js';
import { finiteNumber } from './common.js';

export interface ReLUArgs extends LayerArgs {
  /** Slope for negative inputs, ≥ 0. Defaults to `0`. */
  negativeSlope?: number;
}

export class ReLU extends Layer {
  override readonly className: string = 'ReLU';
  readonly negativeSlope: number;
  private readonly kind: number;

  constructor(args: ReLUArgs = {}) {
    super(args, 're_lu');
    this.negativeSlope = args.negativeSlope === undefined ? 0 : finiteNumber(this, 'negativeSlope', args.negativeSlope, 0);
    this.kind = this.negativeSlope === 0 ? RELU_KIND : LEAKY_RELU_KIND;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return inputShape;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.addon.activationForward(ctx.backend, io.out, io.inp, this.kind, this.negativeSlope);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp !== null)
      ctx.addon.activationBackward(ctx.backend, io.dinp, io.dout, io.inp, io.out, this.kind, this.negativeSlope);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope };
  }
}
