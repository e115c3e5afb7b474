/** Keras `Softmax` layer, along the last axis (Keras's default `axis=-1`, the only one supported). */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import { LINEAR_KIND } from './activations.js';
import { product, shapeError } from './common.js';

export class Softmax extends Layer {
  override readonly className: string = 'Softmax';
  private cols = 1;
  private sampleSize = 0;

  constructor(args: LayerArgs = {}) {
    super(args, 'softmax');
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length < 1) throw shapeError(this, 'input with at least one axis', inputShape);
    return inputShape;
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    this.sampleSize = product(inputShape);
    this.cols = inputShape[inputShape.length - 1];
    return out;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.addon.softmaxForward(ctx.backend, io.out, io.inp, (ctx.batch * this.sampleSize) / this.cols, this.cols);
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    if (io.dinp === null) return;
    if (fromPreActivation) ctx.addon.activationBackward(ctx.backend, io.dinp, io.dout, io.inp, io.out, LINEAR_KIND, 0);
    else ctx.addon.softmaxBackward(ctx.backend, io.dinp, io.dout, io.out, (ctx.batch * this.sampleSize) / this.cols, this.cols);
  }

  override fusableActivation(): 'softmax' {
    return 'softmax';
  }

  /** The input holds the logits. */
  override preActivation(io: LayerIO): Float32Array {
    return io.inp;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: -1 };
  }
}
