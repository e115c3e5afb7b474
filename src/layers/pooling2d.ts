/**
 * The shared part of MaxPooling2D and AveragePooling2D (internal base class): Keras options,
 * output shape and the geometry fixed at build.
 */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import type { Size2 } from '../nativeConv.js';
import {
  type LayerPadding, type WindowOptions, checkImageShape, paddingOption, sizePair, windowOf, windowSizes,
} from './common.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Strides `[sh, sw]` or one number for both. Defaults to `poolSize` (Keras `strides=None`). */
  strides?: Size2;
  /**
   * `'valid'` or `'same'` (TensorFlow's: output = ceil(input / stride); padded taps are skipped,
   * so they never win a max and are not counted in an average). Defaults to `'valid'`.
   */
  padding?: LayerPadding;
}

export abstract class Pooling2D extends Layer {
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: LayerPadding;

  protected H = 0; protected W = 0; protected C = 0; protected OH = 0; protected OW = 0;
  protected padTop = 0; protected padLeft = 0;
  protected readonly PH: number; protected readonly PW: number; protected readonly SH: number; protected readonly SW: number;

  constructor(args: Pooling2DArgs & { poolSize?: Size2 }, snakeName: string, defaultPool: number | undefined) {
    super(args, snakeName);
    // The subclass's className field is not initialised yet while this constructor runs.
    const me = { className: new.target.name, name: this.name };
    this.poolSize = sizePair(me, 'poolSize', args.poolSize, defaultPool);
    this.strides = args.strides === undefined || args.strides === null ? this.poolSize : sizePair(me, 'strides', args.strides, undefined);
    this.padding = paddingOption(me, args.padding);
    [this.PH, this.PW, this.SH, this.SW] = [...this.poolSize, ...this.strides];
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    checkImageShape(this, inputShape);
    const g = windowOf(this, inputShape, this.window());
    return [g.outHeight, g.outWidth, inputShape[2]];
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    [this.H, this.W, this.OH, this.OW, this.padTop, this.padLeft] = windowSizes(this, inputShape, this.window());
    this.C = inputShape[2];
    return out;
  }

  /** The pool as a window (Keras calls it pool_size; pooling has no dilation). */
  private window(): WindowOptions {
    return { kernelSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  abstract override forward(ctx: RunContext, io: LayerIO): void;
  abstract override backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void;

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}
