/**
 * ImageDataGenerator.apply_transform (keras/src/legacy/preprocessing/image.py) on float32 images
 * (H, W, C), reproducing Keras's conventions exactly — including its quirks:
 *
 * - The 3×3 matrix is rotation · shift · shear · zoom (each only when non-trivial), with
 *   rotation [[cos, −sin], [sin, cos]], shift [[1, 0, tx], [0, 1, ty]], shear [[1, −sin s], [0, cos s]],
 *   zoom diag(zx, zy). It is centred with o = (h/2 − 0.5, w/2 − 0.5) and then its two axes are
 *   swapped (`M' = P M P`) before use. So `tx` (drawn from heightShiftRange, in units of the
 *   height) moves the image along the columns, `ty` along the rows, and for a non-square image
 *   the centre of rotation is off-centre — as in Keras.
 * - The matrix maps output pixel (row, col) to the input position sampled, with
 *   scipy.ndimage.affine_transform's order-1 spline (bilinear) and its boundary modes, ported from
 *   ni_interpolation.c: the position is first mapped by the mode ('reflect' mirrors about the
 *   pixel edge, 'wrap' repeats with period n − 1 as scipy's 'wrap' does, 'constant' gives `cval`
 *   as soon as the position leaves [0, n − 1], 'nearest' clamps the taps), then taps that fall
 *   outside are mapped with the spline boundary mode.
 * - Then the channel shift (clip(x + intensity, min(x), max(x))), the horizontal flip, the vertical
 *   flip, and the brightness change, which goes through an 8-bit PIL image as Keras's does
 *   (values truncated to integers, blended with black by PIL's ImageEnhance.Brightness, and
 *   rescaled back when the input was outside [0, 255]).
 */
import { ValueError } from '../../errors.js';
import type { F32Image } from './tfResize.js';
import { worded } from './validate.js';

export type FillMode = 'nearest' | 'constant' | 'reflect' | 'wrap';
export const FILL_MODES: readonly FillMode[] = ['nearest', 'constant', 'reflect', 'wrap'];

/** The parameters of one transformation (Keras's transform_parameters dict). */
export interface TransformParams {
  /** Rotation in degrees. Defaults to `0`. */
  theta?: number;
  /** Shift along the first matrix axis (the columns, after Keras's axis swap), in pixels. Defaults to `0`. */
  tx?: number;
  /** Shift along the second matrix axis (the rows), in pixels. Defaults to `0`. */
  ty?: number;
  /** Shear angle in degrees. Defaults to `0`. */
  shear?: number;
  /** Zoom along the first matrix axis. Defaults to `1`. */
  zx?: number;
  /** Zoom along the second matrix axis. Defaults to `1`. */
  zy?: number;
  /** Mirror left–right. Defaults to `false`. */
  flipHorizontal?: boolean;
  /** Mirror top–bottom. Defaults to `false`. */
  flipVertical?: boolean;
  /** Added to every channel, then clipped to the image's range. Defaults to none. */
  channelShiftIntensity?: number | null;
  /** PIL brightness factor (0 black, 1 unchanged). Defaults to none. */
  brightness?: number | null;
}

// scipy's NI_ExtendMode values that matter here.
const NEAREST = 0, WRAP = 1, REFLECT = 2, MIRROR = 3, CONSTANT = 4;
const MODE: Record<FillMode, number> = { nearest: NEAREST, wrap: WRAP, reflect: REFLECT, constant: CONSTANT };

/** ni_interpolation.c map_coordinate (casts to npy_intp truncate toward zero). */
function mapCoordinate(x: number, len: number, mode: number): number {
  if (x < 0) {
    switch (mode) {
      case MIRROR:
        if (len <= 1) return 0;
        { const sz2 = 2 * len - 2; x = sz2 * Math.trunc(-x / sz2) + x; return x <= 1 - len ? x + sz2 : -x; }
      case REFLECT:
        if (len <= 1) return 0;
        {
          const sz2 = 2 * len;
          if (x < -sz2) x = sz2 * Math.trunc(-x / sz2) + x;
          return x < -len ? x + sz2 : (x > -1e-15 ? 1e-15 : -x) - 1;
        }
      case WRAP:
        if (len <= 1) return 0;
        { const sz = len - 1; return x + sz * (Math.trunc(-x / sz) + 1); }
      case NEAREST: return 0;
      default: return -1;
    }
  }
  if (x > len - 1) {
    switch (mode) {
      case MIRROR:
        if (len <= 1) return 0;
        { const sz2 = 2 * len - 2; x -= sz2 * Math.trunc(x / sz2); return x >= len ? sz2 - x : x; }
      case REFLECT:
        if (len <= 1) return 0;
        { const sz2 = 2 * len; x -= sz2 * Math.trunc(x / sz2); return x >= len ? sz2 - x - 1 : x; }
      case WRAP:
        if (len <= 1) return 0;
        { const sz = len - 1; return x - sz * Math.trunc(x / sz); }
      case NEAREST: return len - 1;
      default: return -1;
    }
  }
  return x;
}

/** Taps and weights of one axis for one position; false when the pixel is `cval`. */
function axisTaps(c: number, len: number, mode: number, splineMode: number, out: Float64Array): boolean {
  if (mode !== NEAREST) c = mapCoordinate(c, len, mode);
  if (!(c > -1 || mode === NEAREST)) return false;
  const start = Math.floor(c);
  let i0 = start, i1 = start + 1;
  if (start < 0 || start + 1 >= len) {
    i0 = Math.trunc(mapCoordinate(i0, len, splineMode));
    i1 = Math.trunc(mapCoordinate(i1, len, splineMode));
  }
  const w0 = 1 - (c - start);
  out[0] = i0; out[1] = i1; out[2] = w0; out[3] = 1 - w0;
  return true;
}

type Mat3 = number[][];

function mul(a: Mat3, b: Mat3): Mat3 {
  return a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j]));
}

/** Keras's composed, centred and axis-swapped matrix, or null for the identity. */
export function transformMatrix(h: number, w: number, p: TransformParams): Mat3 | null {
  const theta = p.theta ?? 0, tx = p.tx ?? 0, ty = p.ty ?? 0, shear = p.shear ?? 0, zx = p.zx ?? 1, zy = p.zy ?? 1;
  let m: Mat3 | null = null;
  const then = (b: Mat3): void => void (m = m ? mul(m, b) : b);
  if (theta !== 0) {
    const t = theta * (Math.PI / 180);
    then([[Math.cos(t), -Math.sin(t), 0], [Math.sin(t), Math.cos(t), 0], [0, 0, 1]]);
  }
  if (tx !== 0 || ty !== 0) then([[1, 0, tx], [0, 1, ty], [0, 0, 1]]);
  if (shear !== 0) {
    const s = shear * (Math.PI / 180);
    then([[1, -Math.sin(s), 0], [0, Math.cos(s), 0], [0, 0, 1]]);
  }
  if (zx !== 1 || zy !== 1) then([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]);
  if (m === null) return null;
  const ox = h / 2 - 0.5, oy = w / 2 - 0.5;
  const c = mul(mul([[1, 0, ox], [0, 1, oy], [0, 0, 1]], m), [[1, 0, -ox], [0, 1, -oy], [0, 0, 1]]);
  // Swap the two spatial axes (columns, then rows), as Keras does for channels-last images.
  const s = c.map((r) => [r[1], r[0], r[2]]);
  return [s[1], s[0], s[2]];
}

/** apply_affine_transform with order 1 on every channel. */
export function applyAffine(im: F32Image, p: TransformParams, fillMode: FillMode, cval: number): F32Image {
  const m = transformMatrix(im.height, im.width, p);
  if (m === null) return im;
  const { height: H, width: W, channels: C, data: src } = im;
  const out = new Float32Array(src.length);
  const mode = MODE[fillMode];
  const spline = mode === CONSTANT || mode === WRAP ? MIRROR : mode;
  const r = new Float64Array(4), c = new Float64Array(4);
  const [a00, a01, s0] = m[0], [a10, a11, s1] = m[1];
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const o = (i * W + j) * C;
      // scipy: shift + i·A[k][0] + j·A[k][1], accumulated in that order.
      const inR = s0 + i * a00 + j * a01;
      const inC = s1 + i * a10 + j * a11;
      if (inR >= 0 && inR < H - 1 && inC >= 0 && inC < W - 1) {
        // Interior (most pixels): both taps inside, no boundary mapping in any mode.
        const r0 = Math.floor(inR), c0 = Math.floor(inC);
        const wr0 = 1 - (inR - r0), wr1 = 1 - wr0, wc0 = 1 - (inC - c0), wc1 = 1 - wc0;
        const p00 = (r0 * W + c0) * C, p10 = p00 + W * C;
        for (let k = 0; k < C; k++) {
          out[o + k] = src[p00 + k] * wr0 * wc0 + src[p00 + C + k] * wr0 * wc1 + src[p10 + k] * wr1 * wc0 + src[p10 + C + k] * wr1 * wc1;
        }
        continue;
      }
      if (!axisTaps(inR, H, mode, spline, r) || !axisTaps(inC, W, mode, spline, c)) {
        for (let k = 0; k < C; k++) out[o + k] = cval;
        continue;
      }
      const p00 = (r[0] * W + c[0]) * C, p01 = (r[0] * W + c[1]) * C, p10 = (r[1] * W + c[0]) * C, p11 = (r[1] * W + c[1]) * C;
      for (let k = 0; k < C; k++) {
        out[o + k] = src[p00 + k] * r[2] * c[2] + src[p01 + k] * r[2] * c[3] + src[p10 + k] * r[3] * c[2] + src[p11 + k] * r[3] * c[3];
      }
    }
  }
  return { data: out, height: H, width: W, channels: C };
}

/** apply_channel_shift: x + intensity, clipped to the image's own min and max. */
export function channelShift(im: F32Image, intensity: number): F32Image {
  const d = im.data;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    if (d[i] < lo) lo = d[i];
    if (d[i] > hi) hi = d[i];
  }
  const s = Math.fround(intensity), out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Math.min(hi, Math.max(lo, d[i] + s));
  return { ...im, data: out };
}

/** flip_axis along the columns (horizontal) or rows (vertical). */
export function flip(im: F32Image, horizontal: boolean): F32Image {
  const { height: H, width: W, channels: C, data: d } = im;
  const out = new Float32Array(d.length);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const s = horizontal ? (i * W + (W - 1 - j)) * C : ((H - 1 - i) * W + j) * C;
      out.set(d.subarray(s, s + C), (i * W + j) * C);
    }
  }
  return { ...im, data: out };
}

/** apply_brightness_shift(x, brightness, scale=False) through an 8-bit PIL image. */
export function brightnessShift(im: F32Image, brightness: number): F32Image {
  const { channels: C, data: d } = im;
  if (C !== 1 && C !== 3 && C !== 4) {
    throw new ValueError(worded('ImageDataGenerator: option "brightnessRange"', 'images with 1, 3 or 4 channels', `${C} channels`));
  }
  const f = Math.fround;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    if (d[i] < lo) lo = d[i];
    if (d[i] > hi) hi = d[i];
  }
  const rescaled = lo < 0 || hi > 255;
  // array_to_img(scale=True): (x − min) / max(x − min) · 255, in float32.
  let top = 0;
  if (rescaled) for (let i = 0; i < d.length; i++) top = Math.max(top, f(d[i] - lo));
  const factor = f(brightness), range = f(hi - lo);
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    let v = d[i];
    if (rescaled) {
      v = f(v - lo);
      if (top !== 0) v = f(v / top);
      v = f(v * 255);
    }
    const u8 = Math.trunc(v);
    // ImageEnhance.Brightness blends with black, keeping alpha: trunc(factor · v), clipped.
    let b = u8;
    if (!(C === 4 && i % 4 === 3)) {
      const t = f(factor * u8);
      b = t <= 0 ? 0 : t >= 255 ? 255 : Math.trunc(t);
    }
    out[i] = rescaled ? f(f(f(b / 255) * range) + lo) : b;
  }
  return { ...im, data: out };
}

/** ImageDataGenerator.apply_transform. */
export function applyTransform(im: F32Image, p: TransformParams, fillMode: FillMode, cval: number): F32Image {
  let x = applyAffine(im, p, fillMode, cval);
  if (p.channelShiftIntensity !== undefined && p.channelShiftIntensity !== null) x = channelShift(x, p.channelShiftIntensity);
  if (p.flipHorizontal) x = flip(x, true);
  if (p.flipVertical) x = flip(x, false);
  if (p.brightness !== undefined && p.brightness !== null) x = brightnessShift(x, p.brightness);
  return x;
}
