/**
 * Shared by the layers (internal): option validation with one message format, shape errors that
 * name the layer, the image-input check and window geometry of the 2-D layers,
 * initializer/regularizer resolution, and cached workspace views.
 *
 * Messages follow src/errors.ts: `<Class> "<name>": option "<opt>" expected ..., received ....`
 * for options and `<Class> "<name>" expected ..., received shape [..].` for input shapes.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import type { Initializer } from '../initializers/initializer.js';
import { type InitializerName, getInitializer } from '../initializers/index.js';
import { type Regularizer, type RegularizerName, getRegularizer } from '../regularizers.js';
import { type Size2, type WindowGeometry, windowGeometry } from '../nativeConv.js';

/** What a layer contributes to its messages. */
export interface Named {
  readonly className: string;
  readonly name: string;
}

/** `Dense "dense_1"`. */
export function layerWhere(layer: Named): string {
  return `${layer.className} "${layer.name}"`;
}

/** `Dense "dense_1": option "units"`. */
export function optionWhere(layer: Named, option: string): string {
  return `${layerWhere(layer)}: option "${option}"`;
}

/** `[28, 28, 1]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A ShapeError for an input shape the layer cannot take, in the errors.ts format. */
export function shapeError(layer: Named, expected: string, shape: readonly number[], hint?: string): ShapeError {
  return new ShapeError(`${layerWhere(layer)} expected ${expected}, received shape ${shapeText(shape)}.${hint ? ' ' + hint : ''}`);
}

/** Checks an input is one image `[height, width, channels]` (every 2-D layer takes only that). */
export function checkImageShape(layer: Named, shape: readonly number[], hint?: string): void {
  if (shape.length !== 3) throw shapeError(layer, 'input of rank 3 [height, width, channels]', shape, hint);
}

/** Product of the dimensions (1 for a scalar shape). */
export function product(shape: readonly number[], from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i];
  return n;
}

/** Checks a value is a positive safe integer. */
export function positiveInt(layer: Named, option: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return v;
  throw new ValueError(expectedMessage(optionWhere(layer, option), 'a positive integer', v));
}

/** Checks a value is a non-negative safe integer. */
export function nonNegativeInt(layer: Named, option: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new ValueError(expectedMessage(optionWhere(layer, option), 'a non-negative integer', v));
}

/** Checks a finite number within [min, max]. */
export function finiteNumber(layer: Named, option: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
  const range = min === -Infinity && max === Infinity ? 'a finite number'
    : max === Infinity ? `a number >= ${min}` : `a number in [${min}, ${max}]`;
  throw new ValueError(expectedMessage(optionWhere(layer, option), range, v));
}

export function booleanOption(layer: Named, option: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  throw new ValueError(expectedMessage(optionWhere(layer, option), 'a boolean', v));
}

/** A Keras spatial tuple: one positive integer for both axes or `[height, width]`. */
export function sizePair(layer: Named, option: string, v: Size2 | undefined, dflt: number | undefined): [number, number] {
  if (v === undefined) {
    if (dflt === undefined) throw new ValueError(expectedMessage(optionWhere(layer, option), 'a positive integer or [height, width]', v));
    return [dflt, dflt];
  }
  if (typeof v === 'number') {
    const n = positiveInt(layer, option, v);
    return [n, n];
  }
  if (Array.isArray(v) && v.length === 2) return [positiveInt(layer, `${option}[0]`, v[0]), positiveInt(layer, `${option}[1]`, v[1])];
  throw new ValueError(expectedMessage(optionWhere(layer, option), 'a positive integer or [height, width]', v));
}

/** Keras layer padding: `'valid'` or `'same'` (explicit pads are ZeroPadding2D's job). */
export type LayerPadding = 'valid' | 'same';

export function paddingOption(layer: Named, v: unknown): LayerPadding {
  if (v === undefined) return 'valid';
  if (v === 'valid' || v === 'same') return v;
  throw new ValueError(expectedMessage(optionWhere(layer, 'padding'), "'valid' or 'same'", v));
}

/** Keras refuses strides > 1 together with dilation > 1 (TensorFlow cannot run it). */
export function checkStridesDilation(layer: Named, strides: readonly number[], dilation: readonly number[]): void {
  if (Math.max(...strides) > 1 && Math.max(...dilation) > 1)
    throw new ValueError(`${optionWhere(layer, 'dilationRate')} expected 1 when strides > 1 (strides ${shapeText(strides)}), ` +
      `received ${shapeText(dilation)}. Keras does not support strides > 1 in conjunction with dilationRate > 1.`);
}

/** The window options of a convolution or pooling layer (pooling has no dilation). */
export interface WindowOptions {
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: LayerPadding;
  readonly dilationRate?: readonly [number, number];
}

/** Output size and TensorFlow's pads of `window` over an image input `[height, width, ...]`. */
export function windowOf(layer: Named, inputShape: readonly number[], window: WindowOptions): WindowGeometry {
  return windowGeometry({
    height: inputShape[0], width: inputShape[1], kernelSize: window.kernelSize, strides: window.strides,
    dilationRate: window.dilationRate, padding: window.padding,
  }, layerWhere(layer));
}

/**
 * The sizes a windowed layer fixes at build, `[H, W, OH, OW, padTop, padLeft]`, so that a step
 * passes only numbers to the kernels.
 */
export function windowSizes(layer: Named, inputShape: readonly number[], window: WindowOptions):
  [number, number, number, number, number, number] {
  const g = windowOf(layer, inputShape, window);
  return [inputShape[0], inputShape[1], g.outHeight, g.outWidth, g.padTop, g.padLeft];
}

/** An initializer by Keras name in camelCase (e.g. `'glorotUniform'`, `'zeros'`) or instance. */
export type InitializerLike = InitializerName | Initializer;

export function initializerOption(layer: Named, option: string, v: InitializerLike | undefined, dflt: InitializerName): Initializer {
  return getInitializer(v ?? dflt, optionWhere(layer, option));
}

/** A regularizer by name (`'l1'`, `'l2'`, `'l1l2'`, Keras's 0.01 factors) or instance (`regularizers.l2(1e-4)`). */
export type RegularizerLike = RegularizerName | Regularizer;

export function regularizerOption(layer: Named, option: string, v: RegularizerLike | null | undefined): Regularizer | undefined {
  return v === undefined || v === null ? undefined : getRegularizer(v, optionWhere(layer, option));
}

/** Keras-style serialisation of an initializer or regularizer for getConfig(). */
export function serialize(obj: Initializer | Regularizer | undefined): Record<string, unknown> | null {
  return obj ? { className: obj.className, config: obj.getConfig() } : null;
}

/**
 * Subarrays of a layer's workspace, cut once per workspace buffer and batch size and cached, so
 * forward/backward allocate nothing (the engine keeps one workspace per planned batch size).
 */
export class WorkspaceViews {
  private cache = new WeakMap<Float32Array, { batch: number; views: Float32Array[] }>();

  /** `sizes(batch)` lists the consecutive pieces of the workspace for `batch` rows. */
  constructor(private readonly owner: Named, private readonly sizes: (batch: number) => readonly number[]) {}

  get(ws: Float32Array, batch: number): readonly Float32Array[] {
    const hit = this.cache.get(ws);
    if (hit !== undefined && hit.batch === batch) return hit.views;
    const views: Float32Array[] = [];
    let offset = 0;
    for (const n of this.sizes(batch)) {
      if (offset + n > ws.length)
        throw new ShapeError(expectedMessage(`${layerWhere(this.owner)}: workspace`, `at least ${offset + n} floats for batch ${batch}`, ws));
      views.push(ws.subarray(offset, offset + n));
      offset += n;
    }
    this.cache.set(ws, { batch, views });
    return views;
  }

  /** Forgets every cut (after a rebuild changed the sizes). */
  clear(): void {
    this.cache = new WeakMap();
  }
}
