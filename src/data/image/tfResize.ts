/**
 * What image_dataset_from_directory does to pixels after decoding: `tf.image.resize` with
 * antialias off and half-pixel centres (TensorFlow's resize_bilinear / resize_nearest_neighbor /
 * resize_bicubic kernels), in float32 arithmetic (Math.fround at each step), and Keras's
 * `smart_resize` centre crop for `cropToAspectRatio`. Output values are float32, not rounded to
 * 8 bits, as in Keras.
 */

/** A float image, rows of interleaved channels. */
export interface F32Image {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

export type TfInterpolation = 'bilinear' | 'nearest' | 'bicubic';
export const TF_INTERPOLATIONS: readonly TfInterpolation[] = ['bilinear', 'nearest', 'bicubic'];

const f = Math.fround;

/** `in / out` as float (CalculateResizeScale without align_corners). */
function scaleOf(inSize: number, outSize: number): number {
  return f(inSize / outSize);
}

interface Lerp { lower: Int32Array; upper: Int32Array; lerp: Float32Array }

/** compute_interpolation_weights with the half-pixel scaler. */
function bilinearWeights(outSize: number, inSize: number): Lerp {
  const scale = scaleOf(inSize, outSize);
  const lower = new Int32Array(outSize), upper = new Int32Array(outSize), lerp = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const inPos = f(f(f(i + 0.5) * scale) - 0.5);
    const inF = Math.floor(inPos);
    lower[i] = Math.max(inF, 0);
    upper[i] = Math.min(Math.ceil(inPos), inSize - 1);
    lerp[i] = f(inPos - inF);
  }
  return { lower, upper, lerp };
}

function bilinear(im: F32Image, outH: number, outW: number): F32Image {
  const C = im.channels, src = im.data, row = im.width * C;
  const ys = bilinearWeights(outH, im.height), xs = bilinearWeights(outW, im.width);
  const out = new Float32Array(outH * outW * C);
  for (let y = 0; y < outH; y++) {
    const top = ys.lower[y] * row, bot = ys.upper[y] * row, yl = ys.lerp[y];
    for (let x = 0; x < outW; x++) {
      const l = xs.lower[x] * C, r = xs.upper[x] * C, xl = xs.lerp[x];
      for (let c = 0; c < C; c++) {
        const tl = src[top + l + c], tr = src[top + r + c], bl = src[bot + l + c], br = src[bot + r + c];
        const t = f(tl + f(f(tr - tl) * xl));
        const b = f(bl + f(f(br - bl) * xl));
        out[(y * outW + x) * C + c] = f(t + f(f(b - t) * yl));
      }
    }
  }
  return { data: out, height: outH, width: outW, channels: C };
}

function nearestIndex(outSize: number, inSize: number): Int32Array {
  const scale = scaleOf(inSize, outSize);
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) idx[i] = Math.max(0, Math.min(Math.floor(f(f(i + 0.5) * scale)), inSize - 1));
  return idx;
}

function nearest(im: F32Image, outH: number, outW: number): F32Image {
  const C = im.channels, src = im.data;
  const ys = nearestIndex(outH, im.height), xs = nearestIndex(outW, im.width);
  const out = new Float32Array(outH * outW * C);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const s = (ys[y] * im.width + xs[x]) * C, o = (y * outW + x) * C;
      for (let c = 0; c < C; c++) out[o + c] = src[s + c];
    }
  }
  return { data: out, height: outH, width: outW, channels: C };
}

// Keys cubic (a = -0.5) sampled on a 1024-step table, as resize_bicubic_op.cc InitCoeffsTable.
const TABLE = 1024;
const CUBIC = ((): Float32Array => {
  const a = -0.5;
  const t = new Float32Array((TABLE + 1) * 2);
  for (let i = 0; i <= TABLE; i++) {
    let x = f(i / TABLE);
    t[i * 2] = ((a + 2) * x - (a + 3)) * x * x + 1;
    x = f(x + 1);
    t[i * 2 + 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  }
  return t;
})();

/** GetWeightsAndIndices with Keys cubic: taps outside the image get weight 0, then renormalised. */
function cubicWeights(outSize: number, inSize: number): { index: Int32Array; weight: Float32Array } {
  const scale = scaleOf(inSize, outSize);
  const index = new Int32Array(outSize * 4), weight = new Float32Array(outSize * 4);
  for (let i = 0; i < outSize; i++) {
    const loc = f(f(f(i + 0.5) * scale) - 0.5);
    const inLoc = Math.floor(loc);
    const delta = f(loc - inLoc);
    const offset = roundHalfEven(f(delta * TABLE));
    const w = [CUBIC[offset * 2 + 1], CUBIC[offset * 2], CUBIC[(TABLE - offset) * 2], CUBIC[(TABLE - offset) * 2 + 1]];
    let sum = 0;
    for (let k = 0; k < 4; k++) {
      const want = inLoc - 1 + k;
      const at = Math.min(inSize - 1, Math.max(0, want));
      index[i * 4 + k] = at;
      weight[i * 4 + k] = at === want ? w[k] : 0;
      sum = f(sum + weight[i * 4 + k]);
    }
    if (Math.abs(sum) >= 1000 * 1.1754943508222875e-38) {
      const inv = f(1 / sum);
      for (let k = 0; k < 4; k++) weight[i * 4 + k] = f(weight[i * 4 + k] * inv);
    }
  }
  return { index, weight };
}

/** lrintf in the default rounding mode: half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function interp4(w: Float32Array, wi: number, v0: number, v1: number, v2: number, v3: number): number {
  return f(f(f(f(v0 * w[wi]) + f(v1 * w[wi + 1])) + f(v2 * w[wi + 2])) + f(v3 * w[wi + 3]));
}

function bicubic(im: F32Image, outH: number, outW: number): F32Image {
  const C = im.channels, src = im.data, row = im.width * C;
  const ys = cubicWeights(outH, im.height), xs = cubicWeights(outW, im.width);
  const out = new Float32Array(outH * outW * C);
  for (let y = 0; y < outH; y++) {
    const r0 = ys.index[y * 4] * row, r1 = ys.index[y * 4 + 1] * row, r2 = ys.index[y * 4 + 2] * row, r3 = ys.index[y * 4 + 3] * row;
    for (let x = 0; x < outW; x++) {
      for (let c = 0; c < C; c++) {
        // Columns first (interpolated along y), then along x, as resize_bicubic caches them.
        const col = (k: number): number => {
          const o = xs.index[x * 4 + k] * C + c;
          return interp4(ys.weight, y * 4, src[r0 + o], src[r1 + o], src[r2 + o], src[r3 + o]);
        };
        out[(y * outW + x) * C + c] = interp4(xs.weight, x * 4, col(0), col(1), col(2), col(3));
      }
    }
  }
  return { data: out, height: outH, width: outW, channels: C };
}

/** `tf.image.resize(images, [outH, outW], method)` with antialias false. */
export function tfResize(im: F32Image, outH: number, outW: number, method: TfInterpolation): F32Image {
  if (method === 'nearest') return nearest(im, outH, outW);
  if (method === 'bicubic') return bicubic(im, outH, outW);
  return bilinear(im, outH, outW);
}

/** Keras smart_resize's centre crop: the largest window with the target's aspect ratio. */
export function aspectCropBox(height: number, width: number, targetH: number, targetW: number): { top: number; left: number; height: number; width: number } {
  const ch = Math.max(Math.min(height, Math.trunc(f(f(width * targetH) / targetW))), 1);
  const cw = Math.max(Math.min(width, Math.trunc(f(f(height * targetW) / targetH))), 1);
  return { top: Math.trunc(f(height - ch) / 2), left: Math.trunc(f(width - cw) / 2), height: ch, width: cw };
}

/** Copies a window of an image. */
export function cropF32(im: F32Image, top: number, left: number, h: number, w: number): F32Image {
  const C = im.channels, out = new Float32Array(h * w * C);
  for (let y = 0; y < h; y++) out.set(im.data.subarray(((top + y) * im.width + left) * C, ((top + y) * im.width + left + w) * C), y * w * C);
  return { data: out, height: h, width: w, channels: C };
}
