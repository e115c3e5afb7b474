/**
 * The per-image work of ImageDataGenerator as plain functions over a plain-data configuration,
 * so the same code runs on the main thread and in the decode workers (decodeWorker.ts):
 * `drawTransform` (Keras get_random_transform's distributions) and `standardizeRest` (everything
 * standardize does after preprocessingFunction: rescale, sample-wise, then feature-wise).
 */
import { type FillMode, type TransformParams, applyTransform } from './affine.js';
import type { Rng } from './rng.js';
import type { F32Image } from './tfResize.js';

export type ShiftRange = number | readonly number[];

/** What the per-image work needs from an ImageDataGenerator (structured-clonable). */
export interface GeneratorConfig {
  rotationRange: number;
  widthShiftRange: ShiftRange;
  heightShiftRange: ShiftRange;
  shearRange: number;
  zoomRange: readonly [number, number];
  channelShiftRange: number;
  brightnessRange: readonly [number, number] | null;
  horizontalFlip: boolean;
  verticalFlip: boolean;
  fillMode: FillMode;
  cval: number;
  rescale: number | null;
  samplewiseCenter: boolean;
  samplewiseStdNormalization: boolean;
  featurewiseCenter: boolean;
  featurewiseStdNormalization: boolean;
  mean: Float32Array | null;
  std: Float32Array | null;
}

/** Whether any random transformation is configured. */
export function isRandom(c: GeneratorConfig): boolean {
  const shift = (r: ShiftRange): boolean => (typeof r === 'number' ? r !== 0 : r.length > 0);
  return c.rotationRange !== 0 || shift(c.widthShiftRange) || shift(c.heightShiftRange) || c.shearRange !== 0 ||
    c.zoomRange[0] !== 1 || c.zoomRange[1] !== 1 || c.channelShiftRange !== 0 || c.brightnessRange !== null ||
    c.horizontalFlip || c.verticalFlip;
}

/** Draws transformation parameters in Keras's order from `rng`. */
export function drawTransform(c: GeneratorConfig, h: number, w: number, rng: Rng): TransformParams {
  const shift = (r: ShiftRange, size: number): number => {
    if (typeof r === 'number' ? r === 0 : r.length === 0) return 0;
    let t = typeof r === 'number' ? rng.uniform(-r, r) : r[rng.int(r.length)] * (rng.random() < 0.5 ? -1 : 1);
    if ((typeof r === 'number' ? r : Math.max(...r)) < 1) t *= size;
    return t;
  };
  const theta = c.rotationRange ? rng.uniform(-c.rotationRange, c.rotationRange) : 0;
  const tx = shift(c.heightShiftRange, h);
  const ty = shift(c.widthShiftRange, w);
  const shear = c.shearRange ? rng.uniform(-c.shearRange, c.shearRange) : 0;
  const [zlo, zhi] = c.zoomRange;
  const still = zlo === 1 && zhi === 1;
  const zx = still ? 1 : rng.uniform(zlo, zhi);
  const zy = still ? 1 : rng.uniform(zlo, zhi);
  const flipHorizontal = c.horizontalFlip && rng.random() < 0.5;
  const flipVertical = c.verticalFlip && rng.random() < 0.5;
  const channelShiftIntensity = c.channelShiftRange !== 0 ? rng.uniform(-c.channelShiftRange, c.channelShiftRange) : null;
  const brightness = c.brightnessRange ? rng.uniform(c.brightnessRange[0], c.brightnessRange[1]) : null;
  return { theta, tx, ty, shear, zx, zy, flipHorizontal, flipVertical, channelShiftIntensity, brightness };
}

/** A random transformation of `im` (returned as is when nothing is random; `rng` is then not called). */
export function randomTransform(c: GeneratorConfig, im: F32Image, rng: () => Rng): F32Image {
  return isRandom(c) ? applyTransform(im, drawTransform(c, im.height, im.width, rng()), c.fillMode, c.cval) : im;
}

/**
 * Keras standardize after preprocessingFunction, in place on `d` (channels last, `ch` channels),
 * in float32 arithmetic: rescale, sample-wise centering and std (over all of `d`), feature-wise
 * centering and std (per channel; skipped while mean/std are null). Returns what it skipped.
 */
export function standardizeRest(c: GeneratorConfig, d: Float32Array, ch: number): { unfitMean: boolean; unfitStd: boolean } {
  const f = Math.fround;
  if (c.rescale !== null) {
    const r = f(c.rescale);
    for (let i = 0; i < d.length; i++) d[i] = f(d[i] * r);
  }
  if (c.samplewiseCenter) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i];
    const m = f(s / d.length);
    for (let i = 0; i < d.length; i++) d[i] = f(d[i] - m);
  }
  if (c.samplewiseStdNormalization) {
    let s = 0, q = 0;
    for (let i = 0; i < d.length; i++) s += d[i];
    const m = s / d.length;
    for (let i = 0; i < d.length; i++) q += (d[i] - m) ** 2;
    const den = f(f(Math.sqrt(q / d.length)) + f(1e-6));
    for (let i = 0; i < d.length; i++) d[i] = f(d[i] / den);
  }
  if (c.featurewiseCenter && c.mean) for (let i = 0; i < d.length; i++) d[i] = f(d[i] - c.mean[i % ch]);
  if (c.featurewiseStdNormalization && c.std) for (let i = 0; i < d.length; i++) d[i] = f(d[i] / f(c.std[i % ch] + f(1e-6)));
  return { unfitMean: c.featurewiseCenter && !c.mean, unfitStd: c.featurewiseStdNormalization && !c.std };
}
