/**
 * Validated wrappers of the other layer kernels of the conv-family table: BatchNormalization,
 * Dropout, ZeroPadding2D, Cropping2D and UpSampling2D, with Keras option names; NHWC
 * Float32Arrays. Like src/nativeConv.ts they check without allocating and allocate only outputs
 * the caller did not pass.
 */
import { ShapeError, ValueError, expectedMessage } from './errors.js';
import { type BackendOption, resolveBackend, rethrowNative } from './native.js';
import { finite, floats, optionalFloats, output, seedValue, size, where } from './nativeArgs.js';
import { type PadGeometryArgs, type Size2, convAddon, pair } from './nativeConv.js';

// ------------------------------------------------------------------------------------ batch norm

/** BatchNormalization over the last axis of inp (rows,channels); rows = batch·height·width for NHWC. */
export interface BatchNormArgs extends BackendOption {
  rows: number;
  channels: number;
  /** Scale (channels). Defaults to none (Keras `scale: false`, i.e. 1). */ gamma?: Float32Array | null;
  /** Offset (channels). Defaults to none (Keras `center: false`, i.e. 0). */ beta?: Float32Array | null;
  /** Added to the variance. Defaults to `1e-3` (Keras). */ epsilon?: number;
}

function bnSizes(op: string, a: BatchNormArgs): [number, number, number] {
  const N = size(op, 'rows', a.rows), C = size(op, 'channels', a.channels);
  const eps = a.epsilon === undefined ? 1e-3 : finite(op, 'epsilon', a.epsilon, 0);
  return [N, C, eps];
}

export interface BatchNormTrainArgs extends BatchNormArgs {
  inp: Float32Array;
  /** Updated in place: `moving·momentum + batch·(1 − momentum)`. Defaults to not tracked. */ movingMean?: Float32Array | null;
  /** Updated likewise with the biased batch variance (as Keras). Defaults to not tracked. */ movingVar?: Float32Array | null;
  /** Receives the batch mean (channels), for backward. Defaults to not kept. */ savedMean?: Float32Array | null;
  /** Receives 1/sqrt(var + epsilon) (channels), for backward. Defaults to not kept. */ savedInvstd?: Float32Array | null;
  /** In [0, 1]. Defaults to `0.99` (Keras). */ momentum?: number;
  /** Output (rows,channels). Defaults to a new array. */ out?: Float32Array;
}

/** Training-mode batch normalization with batch statistics; returns `out`. */
export function batchnormForwardTrain(args: BatchNormTrainArgs): Float32Array {
  const op = 'batchnormForwardTrain';
  const [N, C, eps] = bnSizes(op, args);
  if (N < 1 && C > 0) throw new ShapeError(expectedMessage(where(op, 'rows'), 'at least 1 row for batch statistics', N));
  const momentum = args.momentum === undefined ? 0.99 : finite(op, 'momentum', args.momentum, 0, 1);
  const inp = floats(op, 'inp', args.inp, N * C), out = output(op, 'out', args.out, N * C);
  const gamma = optionalFloats(op, 'gamma', args.gamma, C), beta = optionalFloats(op, 'beta', args.beta, C);
  const mm = optionalFloats(op, 'movingMean', args.movingMean, C), mv = optionalFloats(op, 'movingVar', args.movingVar, C);
  const sm = optionalFloats(op, 'savedMean', args.savedMean, C), si = optionalFloats(op, 'savedInvstd', args.savedInvstd, C);
  const backend = resolveBackend(args.backend, op);
  try { convAddon().batchnormForwardTrain(backend, out, sm, si, mm, mv, inp, gamma, beta, N, C, momentum, eps); } catch (e) { rethrowNative(e); }
  return out;
}

/** Inference-mode batch normalization with the moving statistics; returns `out` (defaults to new). */
export function batchnormForwardInfer(args: BatchNormArgs & {
  inp: Float32Array; movingMean: Float32Array; movingVar: Float32Array; out?: Float32Array;
}): Float32Array {
  const op = 'batchnormForwardInfer';
  const [N, C, eps] = bnSizes(op, args);
  const inp = floats(op, 'inp', args.inp, N * C), out = output(op, 'out', args.out, N * C);
  const gamma = optionalFloats(op, 'gamma', args.gamma, C), beta = optionalFloats(op, 'beta', args.beta, C);
  const mm = floats(op, 'movingMean', args.movingMean, C), mv = floats(op, 'movingVar', args.movingVar, C);
  const backend = resolveBackend(args.backend, op);
  try { convAddon().batchnormForwardInfer(backend, out, inp, gamma, beta, mm, mv, N, C, eps); } catch (e) { rethrowNative(e); }
  return out;
}

export interface BatchNormBackwardArgs extends Omit<BatchNormArgs, 'beta' | 'epsilon'> {
  dout: Float32Array;
  inp: Float32Array;
  /** The forward's batch mean. */ savedMean: Float32Array;
  /** The forward's 1/sqrt(var + epsilon). */ savedInvstd: Float32Array;
  /** Accumulates the input gradient when given. Defaults to skipped. */ dinp?: Float32Array | null;
  /** Accumulates Σ dout·x̂ when given. Defaults to skipped. */ dgamma?: Float32Array | null;
  /** Accumulates Σ dout when given. Defaults to skipped. */ dbeta?: Float32Array | null;
}

/** Batch normalization backward through the batch statistics; accumulates into the buffers given. */
export function batchnormBackward(args: BatchNormBackwardArgs): void {
  const op = 'batchnormBackward';
  const N = size(op, 'rows', args.rows), C = size(op, 'channels', args.channels);
  const dout = floats(op, 'dout', args.dout, N * C), inp = floats(op, 'inp', args.inp, N * C);
  const gamma = optionalFloats(op, 'gamma', args.gamma, C);
  const sm = floats(op, 'savedMean', args.savedMean, C), si = floats(op, 'savedInvstd', args.savedInvstd, C);
  const dinp = optionalFloats(op, 'dinp', args.dinp, N * C);
  const dgamma = optionalFloats(op, 'dgamma', args.dgamma, C), dbeta = optionalFloats(op, 'dbeta', args.dbeta, C);
  const backend = resolveBackend(args.backend, op);
  try { convAddon().batchnormBackward(backend, dinp, dgamma, dbeta, dout, inp, gamma, sm, si, N, C); } catch (e) { rethrowNative(e); }
}

// ------------------------------------------------------------------------------------ dropout

export interface DropoutForwardArgs extends BackendOption {
  inp: Float32Array;
  /** Fraction dropped, in [0, 1). */ rate: number;
  /** Philox key: a non-negative safe integer or a BigInt below 2^64. */ seed: number | bigint;
  /** Index of the first element in the random stream (as `rngFill`). Defaults to `0`. */ offset?: number | bigint;
  /** Output (inp.length). Defaults to a new array. */ out?: Float32Array;
  /** Receives the mask: 1/(1 − rate) where kept, 0 where dropped. Defaults to a new array. */ mask?: Float32Array;
}

/** Inverted dropout; element i is kept iff uniform (seed, offset + i) ≥ rate. Returns `{ out, mask }`. */
export function dropoutForward(args: DropoutForwardArgs): { out: Float32Array; mask: Float32Array } {
  const op = 'dropoutForward';
  const inp = floats(op, 'inp', args.inp, 0), n = inp.length;
  const rate = finite(op, 'rate', args.rate, 0, 1);
  if (rate === 1) throw new ValueError(expectedMessage(where(op, 'rate'), 'a number in [0, 1)', rate));
  const seed = seedValue(op, 'seed', args.seed), offset = args.offset === undefined ? 0 : seedValue(op, 'offset', args.offset);
  const out = output(op, 'out', args.out, n), mask = output(op, 'mask', args.mask, n);
  const backend = resolveBackend(args.backend, op);
  try { convAddon().dropoutForward(backend, out, mask, inp, rate, seed, offset); } catch (e) { rethrowNative(e); }
  return { out, mask };
}

/** Dropout backward: `dinp += dout·mask` (dinp defaults to a new array); returns `dinp`. */
export function dropoutBackward(args: BackendOption & { dout: Float32Array; mask: Float32Array; dinp?: Float32Array }): Float32Array {
  const op = 'dropoutBackward';
  const dout = floats(op, 'dout', args.dout, 0), n = dout.length;
  const mask = floats(op, 'mask', args.mask, n), dinp = output(op, 'dinp', args.dinp, n);
  const backend = resolveBackend(args.backend, op);
  try { convAddon().dropoutBackward(backend, dinp, dout, mask); } catch (e) { rethrowNative(e); }
  return dinp;
}

// ------------------------------------------------------------------------------------ pad, crop, upsample

/**
 * Amounts per side, as Keras ZeroPadding2D/Cropping2D: one number for all four sides,
 * `[symmetricHeight, symmetricWidth]`, or `[[top, bottom], [left, right]]`.
 */
export type Pad2 = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

/** inp (batch,height,width,channels) of the op's INPUT tensor (larger for cropping, smaller for padding). */
export interface Resize2dArgs extends BackendOption {
  batch: number;
  height: number;
  width: number;
  channels: number;
}

function sides(op: string, name: string, v: Pad2 | undefined, dflt: number): [number, number, number, number] {
  const n = (x: unknown, where2: string) => size(op, where2, x);
  if (v === undefined) return [dflt, dflt, dflt, dflt];
  if (typeof v === 'number') return [n(v, name), v, v, v];
  if (Array.isArray(v) && v.length === 2) {
    const [h, w] = v as readonly unknown[];
    if (Array.isArray(h) && Array.isArray(w) && h.length === 2 && w.length === 2)
      return [n(h[0], `${name}[0][0]`), n(h[1], `${name}[0][1]`), n(w[0], `${name}[1][0]`), n(w[1], `${name}[1][1]`)];
    if (typeof h === 'number' && typeof w === 'number') return [n(h, `${name}[0]`), h, n(w, `${name}[1]`), w];
  }
  throw new ValueError(expectedMessage(where(op, name), 'a number, [height, width] or [[top, bottom], [left, right]]', v));
}

/** Validates the geometry; returns the kernel's sizes (the SMALLER tensor) and both lengths. */
function padPlan(op: string, a: Resize2dArgs, amounts: [number, number, number, number], crop: boolean):
  { geo: PadGeometryArgs; small: number; big: number; backend: number } {
  const B = size(op, 'batch', a.batch), H = size(op, 'height', a.height), W = size(op, 'width', a.width), C = size(op, 'channels', a.channels);
  const [t, b, l, r] = amounts;
  let h = H, w = W;
  if (crop) {
    h = H - t - b; w = W - l - r;
    // Keras Cropping2D refuses to crop a dimension away entirely.
    if (h < 1) throw new ShapeError(expectedMessage(where(op, 'cropping'), `a total height crop below the input height ${H}`, t + b));
    if (w < 1) throw new ShapeError(expectedMessage(where(op, 'cropping'), `a total width crop below the input width ${W}`, l + r));
  }
  const small = B * h * w * C, big = B * (h + t + b) * (w + l + r) * C;
  return { geo: [B, h, w, C, t, b, l, r], small, big, backend: resolveBackend(a.backend, op) };
}

/** ZeroPadding2D forward; `padding` defaults to `1` (Keras). Returns `out` (defaults to new). */
export function zeroPad2dForward(args: Resize2dArgs & { inp: Float32Array; padding?: Pad2; out?: Float32Array }): Float32Array {
  const op = 'zeroPad2dForward', p = padPlan(op, args, sides(op, 'padding', args.padding, 1), false);
  const inp = floats(op, 'inp', args.inp, p.small), out = output(op, 'out', args.out, p.big);
  try { convAddon().zeroPad2dForward(p.backend, out, inp, ...p.geo); } catch (e) { rethrowNative(e); }
  return out;
}

/** ZeroPadding2D backward: `dinp` (input-sized, defaults to new) += the interior of `dout`. Returns `dinp`. */
export function zeroPad2dBackward(args: Resize2dArgs & { dout: Float32Array; padding?: Pad2; dinp?: Float32Array }): Float32Array {
  const op = 'zeroPad2dBackward', p = padPlan(op, args, sides(op, 'padding', args.padding, 1), false);
  const dout = floats(op, 'dout', args.dout, p.big), dinp = output(op, 'dinp', args.dinp, p.small);
  try { convAddon().zeroPad2dBackward(p.backend, dinp, dout, ...p.geo); } catch (e) { rethrowNative(e); }
  return dinp;
}

/** Cropping2D forward; `cropping` defaults to `0` (Keras). Returns `out` (defaults to new). */
export function crop2dForward(args: Resize2dArgs & { inp: Float32Array; cropping?: Pad2; out?: Float32Array }): Float32Array {
  const op = 'crop2dForward', p = padPlan(op, args, sides(op, 'cropping', args.cropping, 0), true);
  const inp = floats(op, 'inp', args.inp, p.big), out = output(op, 'out', args.out, p.small);
  try { convAddon().crop2dForward(p.backend, out, inp, ...p.geo); } catch (e) { rethrowNative(e); }
  return out;
}

/** Cropping2D backward: the interior of `dinp` (input-sized, defaults to new) += `dout`. Returns `dinp`. */
export function crop2dBackward(args: Resize2dArgs & { dout: Float32Array; cropping?: Pad2; dinp?: Float32Array }): Float32Array {
  const op = 'crop2dBackward', p = padPlan(op, args, sides(op, 'cropping', args.cropping, 0), true);
  const dout = floats(op, 'dout', args.dout, p.small), dinp = output(op, 'dinp', args.dinp, p.big);
  try { convAddon().crop2dBackward(p.backend, dinp, dout, ...p.geo); } catch (e) { rethrowNative(e); }
  return dinp;
}

function upPlan(op: string, a: Resize2dArgs & { size?: Size2 }): { geo: [number, number, number, number, number, number]; small: number; big: number; backend: number } {
  const B = size(op, 'batch', a.batch), H = size(op, 'height', a.height), W = size(op, 'width', a.width), C = size(op, 'channels', a.channels);
  const [sh, sw] = pair(op, 'size', a.size, 2);
  return { geo: [B, H, W, C, sh, sw], small: B * H * W * C, big: B * H * sh * W * sw * C, backend: resolveBackend(a.backend, op) };
}

/** UpSampling2D (nearest); `size` defaults to `2` (Keras). Returns `out` (defaults to new). */
export function upsample2dForward(args: Resize2dArgs & { inp: Float32Array; size?: Size2; out?: Float32Array }): Float32Array {
  const op = 'upsample2dForward', p = upPlan(op, args);
  const inp = floats(op, 'inp', args.inp, p.small), out = output(op, 'out', args.out, p.big);
  try { convAddon().upsample2dForward(p.backend, out, inp, ...p.geo); } catch (e) { rethrowNative(e); }
  return out;
}

/** UpSampling2D backward: `dinp` (defaults to new) += the sum of each pixel's copies. Returns `dinp`. */
export function upsample2dBackward(args: Resize2dArgs & { dout: Float32Array; size?: Size2; dinp?: Float32Array }): Float32Array {
  const op = 'upsample2dBackward', p = upPlan(op, args);
  const dout = floats(op, 'dout', args.dout, p.big), dinp = output(op, 'dinp', args.dinp, p.small);
  try { convAddon().upsample2dBackward(p.backend, dinp, dout, ...p.geo); } catch (e) { rethrowNative(e); }
  return dinp;
}
