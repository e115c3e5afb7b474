/**
 * What keras.utils.load_img does to pixels after decoding, reproduced bit for bit on 8-bit
 * interleaved buffers (H, W, C): PIL's colour conversions (`Image.convert`) and resampling
 * (`Image.resize`), ported from Pillow's libImaging (Convert.c, Resample.c, Geometry.c).
 *
 * - RGB → L uses ITU-R 601-2 luma in 16-bit fixed point: (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
 * - NEAREST resizes through the affine "scale" transform: source = floor((x + 0.5) · in/out) with
 *   the position accumulated step by step, as Pillow does.
 * - BILINEAR / BICUBIC (a = −0.5) / LANCZOS (a = 3) / BOX / HAMMING are separable convolutions:
 *   the kernel is stretched by the scale when shrinking (antialiasing), weights are normalised then
 *   rounded to 22-bit fixed point, and each pass rounds to 8 bits. Horizontal pass first, on the
 *   rows the vertical pass needs.
 * - RGBA with a non-nearest filter is resized premultiplied (RGBa), as Image.resize does.
 *
 * sharp/libvips resizes differently (a different sample grid when enlarging), which is why the
 * resampling is ours while decoding is sharp's.
 */

/** An 8-bit image, rows of interleaved channels. */
export interface U8Image {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** PIL's resampling filters, by Keras's interpolation names. */
export type PilInterpolation = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos' | 'box' | 'hamming';
export const PIL_INTERPOLATIONS: readonly PilInterpolation[] = ['nearest', 'bilinear', 'bicubic', 'lanczos', 'box', 'hamming'];

// ------------------------------------------------------------------------------ conversions

/** Converts to L (1), RGB (3) or RGBA (4) channels with PIL's rules (alpha dropped, or 255 added). */
export function convertChannels(im: U8Image, channels: 1 | 3 | 4): U8Image {
  if (im.channels === channels) return im;
  const n = im.height * im.width, src = im.data, c = im.channels;
  const out = new Uint8Array(n * channels);
  const gray = c < 3; // L or LA: the first channel is the luminance
  for (let p = 0, s = 0, o = 0; p < n; p++, s += c, o += channels) {
    if (channels === 1) {
      out[o] = gray ? src[s] : (src[s] * 19595 + src[s + 1] * 38470 + src[s + 2] * 7471 + 0x8000) >>> 16;
    } else {
      const r = src[s], g = gray ? r : src[s + 1], b = gray ? r : src[s + 2];
      out[o] = r; out[o + 1] = g; out[o + 2] = b;
      if (channels === 4) out[o + 3] = c === 4 ? src[s + 3] : c === 2 ? src[s + 1] : 255;
    }
  }
  return { data: out, height: im.height, width: im.width, channels };
}

/** RGBA → RGBa (Convert.c rgba2rgbA): colour × alpha / 255 with PIL's rounding. */
function premultiply(im: U8Image): U8Image {
  const d = im.data, out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3];
    for (let k = 0; k < 3; k++) {
      const t = d[i + k] * a + 128;
      out[i + k] = ((t >> 8) + t) >> 8;
    }
    out[i + 3] = a;
  }
  return { ...im, data: out };
}

/** RGBa → RGBA (Convert.c rgbA2rgba). */
function unpremultiply(im: U8Image): U8Image {
  const d = im.data, out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3];
    for (let k = 0; k < 3; k++) out[i + k] = a === 255 || a === 0 ? d[i + k] : Math.min(255, Math.floor((255 * d[i + k]) / a));
    out[i + 3] = a;
  }
  return { ...im, data: out };
}

// ------------------------------------------------------------------------------ filters

interface Filter { fn: (x: number) => number; support: number }

function sinc(x: number): number {
  if (x === 0) return 1;
  x *= Math.PI;
  return Math.sin(x) / x;
}

const FILTERS: Record<Exclude<PilInterpolation, 'nearest'>, Filter> = {
  box: { support: 0.5, fn: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, fn: (x) => { x = Math.abs(x); return x < 1 ? 1 - x : 0; } },
  hamming: {
    support: 1,
    fn: (x) => {
      x = Math.abs(x);
      if (x === 0) return 1;
      if (x >= 1) return 0;
      x *= Math.PI;
      // 0.54f and 0.46f are float constants in Pillow.
      return (Math.sin(x) / x) * (Math.fround(0.54) + Math.fround(0.46) * Math.cos(x));
    },
  },
  bicubic: {
    support: 2,
    fn: (x) => {
      const a = -0.5;
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, fn: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 22;

interface Coeffs { ksize: number; bounds: Int32Array; kk: Int32Array }

/** Resample.c precompute_coeffs + normalize_coeffs_8bpc for one axis. */
function precompute(inSize: number, in0: number, in1: number, outSize: number, f: Filter): Coeffs {
  const scale = (in1 - in0) / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = f.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = f.fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const v = x < xmax ? (ww !== 0 ? k[x] / ww : k[x]) : 0;
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** ImagingResampleHorizontal_8bpc on rows [offset, offset + rows). */
function horizontal(im: U8Image, outW: number, offset: number, rows: number, c: Coeffs): U8Image {
  const C = im.channels, src = im.data, inRow = im.width * C;
  const out = new Uint8Array(rows * outW * C);
  const { ksize, bounds, kk } = c;
  for (let yy = 0; yy < rows; yy++) {
    const rowBase = (yy + offset) * inRow;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2], xmax = bounds[xx * 2 + 1], kb = xx * ksize;
      for (let ch = 0; ch < C; ch++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let x = 0; x < xmax; x++) ss += src[rowBase + (x + xmin) * C + ch] * kk[kb + x];
        out[(yy * outW + xx) * C + ch] = clip8(ss);
      }
    }
  }
  return { data: out, height: rows, width: outW, channels: C };
}

/** ImagingResampleVertical_8bpc. */
function vertical(im: U8Image, outH: number, c: Coeffs, shift: number): U8Image {
  const C = im.channels, src = im.data, row = im.width * C;
  const out = new Uint8Array(outH * row);
  const { ksize, bounds, kk } = c;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2] - shift, ymax = bounds[yy * 2 + 1], kb = yy * ksize;
    for (let i = 0; i < row; i++) {
      let ss = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < ymax; y++) ss += src[(y + ymin) * row + i] * kk[kb + y];
      out[yy * row + i] = clip8(ss);
    }
  }
  return { data: out, height: outH, width: im.width, channels: C };
}

/** Geometry.c ImagingScaleAffine (nearest neighbour; out-of-range samples are 0). */
function nearest(im: U8Image, outW: number, outH: number, box: readonly number[]): U8Image {
  const C = im.channels, src = im.data;
  const a0 = (box[2] - box[0]) / outW, a4 = (box[3] - box[1]) / outH;
  const out = new Uint8Array(outW * outH * C);
  const xin = new Int32Array(outW).fill(-1);
  let xo = box[0] + a0 * 0.5;
  for (let x = 0; x < outW; x++) {
    const xi = xo < 0 ? -1 : Math.trunc(xo);
    if (xi >= 0 && xi < im.width) xin[x] = xi;
    xo += a0;
  }
  let yo = box[1] + a4 * 0.5;
  for (let y = 0; y < outH; y++) {
    const yi = yo < 0 ? -1 : Math.trunc(yo);
    if (yi >= 0 && yi < im.height) {
      for (let x = 0; x < outW; x++) {
        if (xin[x] < 0) continue;
        const s = (yi * im.width + xin[x]) * C, o = (y * outW + x) * C;
        for (let ch = 0; ch < C; ch++) out[o + ch] = src[s + ch];
      }
    }
    yo += a4;
  }
  return { data: out, height: outH, width: outW, channels: C };
}

/**
 * `Image.resize((outW, outH), filter, box)`: `box` = [left, top, right, bottom] in source pixels
 * (defaults to the whole image).
 */
export function pilResize(im: U8Image, outW: number, outH: number, filter: PilInterpolation,
  box: readonly number[] = [0, 0, im.width, im.height]): U8Image {
  const full = box[0] === 0 && box[1] === 0 && box[2] === im.width && box[3] === im.height;
  if (outW === im.width && outH === im.height && full) return { ...im, data: im.data.slice() };
  if (filter === 'nearest') return nearest(im, outW, outH, box);
  if (im.channels === 4) return unpremultiply(resample(premultiply(im), outW, outH, FILTERS[filter], box));
  return resample(im, outW, outH, FILTERS[filter], box);
}

/** Resample.c ImagingResampleInner. */
function resample(im: U8Image, outW: number, outH: number, f: Filter, box: readonly number[]): U8Image {
  const needH = outW !== im.width || box[0] !== 0 || box[2] !== outW;
  const needV = outH !== im.height || box[1] !== 0 || box[3] !== outH;
  const h = precompute(im.width, box[0], box[2], outW, f);
  const v = precompute(im.height, box[1], box[3], outH, f);
  const first = v.bounds[0];
  const last = v.bounds[outH * 2 - 2] + v.bounds[outH * 2 - 1];
  let cur = im;
  let shift = 0;
  if (needH) {
    cur = horizontal(im, outW, first, last - first, h);
    shift = first;
  }
  if (needV) cur = vertical(cur, outH, v, shift);
  return cur === im ? { ...im, data: im.data.slice() } : cur;
}
