/**
 * Keras `Dropout`: in training, each element is zeroed with probability `rate` and the others are
 * scaled by 1/(1 − rate) (inverted dropout); at inference the layer is the identity.
 *
 * The mask comes from the native Philox stream at the (seed, offset) the engine hands out per
 * layer and step (`ctx.randomStream`), so a seeded run is reproducible on any thread count, and is
 * kept in the workspace for backward.
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import { LINEAR_KIND } from './activations.js';
import { finiteNumber, optionWhere, product } from './common.js';
import { ValueError, expectedMessage } from '../errors.js';

export interface DropoutArgs extends LayerArgs {
  /** Fraction of the inputs to drop, in [0, 1). Required. */
  rate: number;
}

export class Dropout extends Layer {
  override readonly className: string = 'Dropout';
  readonly rate: number;
  private sampleSize = 0;

  constructor(args: DropoutArgs) {
    super(args, 'dropout');
    this.rate = finiteNumber(this, 'rate', args.rate, 0, 1);
    // Keras accepts 1 but cannot train with it (TensorFlow's dropout refuses rate 1); refuse early.
    if (this.rate === 1) throw new ValueError(expectedMessage(optionWhere(this, 'rate'), 'a number in [0, 1)', this.rate));
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return inputShape;
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    this.sampleSize = product(inputShape);
    return out;
  }

  /** The mask (batch, ...shape). */
  override workspaceSize(batch: number): number {
    return this.rate > 0 ? batch * this.sampleSize : 0;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    if (!ctx.training || this.rate === 0) {
      ctx.memory.copy(io.out, io.inp);
      return;
    }
    const stream = ctx.randomStream(this, io.inp.length);
    ctx.addon.dropoutForward(ctx.backend, io.out, io.ws, io.inp, this.rate, stream.seed, stream.offset);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp === null) return;
    if (!ctx.training || this.rate === 0) ctx.addon.activationBackward(ctx.backend, io.dinp, io.dout, io.inp, io.out, LINEAR_KIND, 0);
    else ctx.addon.dropoutBackward(ctx.backend, io.dinp, io.dout, io.ws);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed ?? null };
  }
}
