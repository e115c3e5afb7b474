/**
 * Shared by Conv2D, DepthwiseConv2D and SeparableConv2D (internal): their window options, parsed
 * in one order with one set of defaults, and their output shape with its input checks.
 */
import type { Size2 } from '../nativeConv.js';
import {
  type InitializerLike, type LayerPadding, type Named, type RegularizerLike, type WindowOptions, checkImageShape,
  checkStridesDilation, paddingOption, positiveInt, shapeError, sizePair, windowOf,
} from './common.js';

/**
 * Conv output floats per chunk when a convolution runs its successor with it at inference
 * (Conv2D.forwardFused): 1 MiB, about the two cores' L2, so a chunk is pooled before it leaves
 * the cache.
 */
export const FUSED_CHUNK_FLOATS = 1 << 18;

/**
 * Views of a batch in chunks of `chunk` samples, `[inp₀, out₀, inp₁, out₁, ...]`, cached per
 * input buffer and batch size so a step allocates nothing.
 */
export class ChunkViews {
  private cache = new WeakMap<Float32Array, { out: Float32Array; batch: number; chunk: number; parts: Float32Array[] }>();

  get(inp: Float32Array, out: Float32Array, batch: number, chunk: number): readonly Float32Array[] {
    const hit = this.cache.get(inp);
    if (hit !== undefined && hit.out === out && hit.batch === batch && hit.chunk === chunk) return hit.parts;
    const inPer = inp.length / batch, outPer = out.length / batch, parts: Float32Array[] = [];
    for (let b0 = 0; b0 < batch; b0 += chunk) {
      const b1 = Math.min(batch, b0 + chunk);
      parts.push(inp.subarray(b0 * inPer, b1 * inPer), out.subarray(b0 * outPer, b1 * outPer));
    }
    this.cache.set(inp, { out, batch, chunk, parts });
    return parts;
  }
}

/** Window options of the convolutions (SeparableConv2D: of its depthwise step). */
export interface ConvWindowArgs {
  /** Window `[kh, kw]`, or one number for both. Required. */
  kernelSize: Size2;
  /** Defaults to `1`. */
  strides?: Size2;
  /** `'valid'` (no padding) or `'same'` (output = ceil(input / stride)). Defaults to `'valid'`. */
  padding?: LayerPadding;
  /** Dilation of the window; must be 1 when a stride is > 1 (as Keras). Defaults to `1`. */
  dilationRate?: Size2;
}

/** Options of the depthwise step of DepthwiseConv2D and SeparableConv2D. */
export interface DepthwiseArgs {
  /** Output channels per input channel. Defaults to `1`. */
  depthMultiplier?: number;
  /** Initializer of the depthwise kernel. Defaults to `'glorotUniform'`. */
  depthwiseInitializer?: InitializerLike;
  /** Penalty on the depthwise kernel. Defaults to none. */
  depthwiseRegularizer?: RegularizerLike | null;
}

export interface ConvWindow extends Required<WindowOptions> {
  /** 1 where the layer has no depth multiplier (Conv2D). */
  readonly depthMultiplier: number;
}

/**
 * Validates the window options in the order of the Keras constructors (kernel_size, strides,
 * padding, depth_multiplier where the layer has one, dilation_rate): with several bad options
 * the error names the first of them. Strides > 1 with dilation > 1 is refused, as in Keras.
 */
export function convWindowOptions(layer: Named, args: ConvWindowArgs & DepthwiseArgs, hasDepthMultiplier: boolean): ConvWindow {
  const kernelSize = sizePair(layer, 'kernelSize', args.kernelSize, undefined);
  const strides = sizePair(layer, 'strides', args.strides, 1);
  const padding = paddingOption(layer, args.padding);
  const depthMultiplier = !hasDepthMultiplier || args.depthMultiplier === undefined ? 1
    : positiveInt(layer, 'depthMultiplier', args.depthMultiplier);
  const dilationRate = sizePair(layer, 'dilationRate', args.dilationRate, 1);
  checkStridesDilation(layer, strides, dilationRate);
  return { kernelSize, strides, padding, dilationRate, depthMultiplier };
}

/**
 * A convolution's output shape `[outHeight, outWidth, outChannels]`. Checks the input is one
 * image and, once the kernel is built (`builtChannels` set), has the channels it was built for.
 */
export function convOutputShape(layer: Named, inputShape: readonly number[], window: WindowOptions,
  builtChannels: number | undefined, outChannels: number): number[] {
  checkImageShape(layer, inputShape, 'Add a Reshape layer (e.g. targetShape [28, 28, 1]) or set inputShape.');
  if (builtChannels !== undefined && inputShape[2] !== builtChannels)
    throw shapeError(layer, `input with ${builtChannels} channels`, inputShape);
  const g = windowOf(layer, inputShape, window);
  return [g.outHeight, g.outWidth, outChannels];
}
