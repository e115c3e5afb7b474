/**
 * Keras `UpSampling2D` (channels-last) with nearest-neighbour interpolation (Keras's default; the
 * bilinear mode is not offered): each pixel is repeated `size` times along height and width.
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import type { Size2 } from '../nativeConv.js';
import { checkImageShape, sizePair } from './common.js';

export interface UpSampling2DArgs extends LayerArgs {
  /** Repeats `[rows, cols]`, or one number for both. Defaults to `2`. */
  size?: Size2;
}

export class UpSampling2D extends Layer {
  override readonly className: string = 'UpSampling2D';
  readonly size: readonly [number, number];
  private readonly SH: number; private readonly SW: number;
  private H = 0; private W = 0; private C = 0;

  constructor(args: UpSampling2DArgs = {}) {
    super(args, 'up_sampling2d');
    this.size = sizePair(this, 'size', args.size, 2);
    [this.SH, this.SW] = this.size;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    checkImageShape(this, inputShape);
    return [inputShape[0] * this.SH, inputShape[1] * this.SW, inputShape[2]];
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    [this.H, this.W, this.C] = [inputShape[0], inputShape[1], inputShape[2]];
    return out;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.addon.upsample2dForward(ctx.backend, io.out, io.inp, ctx.batch, this.H, this.W, this.C, this.SH, this.SW);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp !== null) ctx.addon.upsample2dBackward(ctx.backend, io.dinp, io.dout, ctx.batch, this.H, this.W, this.C, this.SH, this.SW);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: [...this.size], interpolation: 'nearest' };
  }
}
