/** Keras `ZeroPadding2D` (channels-last): adds rows and columns of zeros around each image. */
import { ValueError, expectedMessage } from '../errors.js';
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import { checkImageShape, nonNegativeInt, optionWhere } from './common.js';

/** One number for all sides, `[symmetricHeight, symmetricWidth]`, or `[[top, bottom], [left, right]]`. */
export type ZeroPadding2DPadding = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

export interface ZeroPadding2DArgs extends LayerArgs {
  /** Defaults to `1` (Keras `(1, 1)`). */
  padding?: ZeroPadding2DPadding;
}

export class ZeroPadding2D extends Layer {
  override readonly className: string = 'ZeroPadding2D';
  /** `[[top, bottom], [left, right]]`. */
  readonly padding: readonly [readonly [number, number], readonly [number, number]];
  private readonly top: number; private readonly bottom: number; private readonly left: number; private readonly right: number;
  private H = 0; private W = 0; private C = 0;

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args, 'zero_padding2d');
    const p = args.padding ?? 1, n = (v: unknown, o: string) => nonNegativeInt(this, o, v);
    let t: number, b: number, l: number, r: number;
    if (typeof p === 'number') t = b = l = r = n(p, 'padding');
    else if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number') {
      t = b = n(p[0], 'padding[0]');
      l = r = n(p[1], 'padding[1]');
    } else if (Array.isArray(p) && p.length === 2 && Array.isArray(p[0]) && Array.isArray(p[1]) && p[0].length === 2 && p[1].length === 2) {
      [t, b, l, r] = [n(p[0][0], 'padding[0][0]'), n(p[0][1], 'padding[0][1]'), n(p[1][0], 'padding[1][0]'), n(p[1][1], 'padding[1][1]')];
    } else {
      throw new ValueError(expectedMessage(optionWhere(this, 'padding'), 'a number, [height, width] or [[top, bottom], [left, right]]', p));
    }
    [this.top, this.bottom, this.left, this.right] = [t, b, l, r];
    this.padding = [[t, b], [l, r]];
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    checkImageShape(this, inputShape);
    return [inputShape[0] + this.top + this.bottom, inputShape[1] + this.left + this.right, inputShape[2]];
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    [this.H, this.W, this.C] = [inputShape[0], inputShape[1], inputShape[2]];
    return out;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.addon.zeroPad2dForward(ctx.backend, io.out, io.inp, ctx.batch, this.H, this.W, this.C, this.top, this.bottom, this.left, this.right);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp !== null)
      ctx.addon.zeroPad2dBackward(ctx.backend, io.dinp, io.dout, ctx.batch, this.H, this.W, this.C, this.top, this.bottom, this.left, this.right);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((s) => [...s]) };
  }
}
