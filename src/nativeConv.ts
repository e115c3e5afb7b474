/**
 * Validated wrappers of the convolutional-network kernels: Conv2D, DepthwiseConv2D and pooling,
 * with Keras option names (BatchNormalization, Dropout, padding, cropping and upsampling are in
 * src/nativeLayers.ts). Tensors are NHWC Float32Arrays, conv kernels HWIO (Keras's layout).
 *
 * These wrappers own the Keras geometry ('valid'/'same' into output size and explicit pads), so
 * the kernels and the binding only ever see explicit sizes. Like src/native.ts they check without
 * allocating and allocate only outputs the caller did not pass.
 */
import { ShapeError, ValueError, expectedMessage } from './errors.js';
import {
  type ActivationName, type ActivationOptions, type BackendOption, type NativeAddon, activationAlpha, activationCode, loadAddon,
  resolveBackend, rethrowNative,
} from './native.js';
import { finite, floats, optionalFloats, output, seedValue, size, where } from './nativeArgs.js';

type F32 = Float32Array;
type Opt = F32 | null;

/**
 * The conv-family functions of the raw addon (native/binding/ops_conv.cc); the loaded addon can be
 * cast to this. Positional arguments follow kernels.h: backend, outputs, inputs, saved tensors,
 * then sizes in the parameter struct's order. Conv geometry is
 * `B, H, W, C, OH, OW, KH, KW, K, strideH, strideW, dilationH, dilationW, padTop, padLeft`, pooling
 * geometry the same without K and the dilations. The forward convolutions end with the fused
 * activation `actKind, actAlpha` (kerno_activation_kind and its alpha; 0 = linear = none).
 */
export interface NativeConvAddon extends NativeAddon {
  conv2dForward(backend: number, out: F32, inp: F32, kernel: F32, bias: Opt, ...geometry: ConvForwardArgs): void;
  conv2dBackwardData(backend: number, dinp: F32, dout: F32, kernel: F32, ...geometry: ConvGeometryArgs): void;
  conv2dBackwardFilter(backend: number, dkernel: F32, dbias: Opt, dout: F32, inp: F32, ...geometry: ConvGeometryArgs): void;
  depthwiseConv2dForward(backend: number, out: F32, inp: F32, kernel: F32, bias: Opt, ...geometry: ConvForwardArgs): void;
  depthwiseConv2dBackward(backend: number, dinp: Opt, dkernel: Opt, dbias: Opt, dout: F32, inp: F32, kernel: F32,
    ...geometry: ConvGeometryArgs): void;
  maxPool2dForward(backend: number, out: F32, inp: F32, ...geometry: PoolGeometryArgs): void;
  maxPool2dBackward(backend: number, dinp: F32, dout: F32, inp: F32, ...geometry: PoolGeometryArgs): void;
  /** Writes dinp, the gradient at the input of the ReLU that produced `inp`: max-pool backward and that ReLU's backward in one pass. */
  maxPool2dReluBackward(backend: number, dinp: F32, dout: F32, inp: F32, ...geometry: PoolGeometryArgs): void;
  avgPool2dForward(backend: number, out: F32, inp: F32, ...geometry: PoolGeometryArgs): void;
  avgPool2dBackward(backend: number, dinp: F32, dout: F32, ...geometry: PoolGeometryArgs): void;
  globalAvgPoolForward(backend: number, out: F32, inp: F32, B: number, S: number, C: number): void;
  globalAvgPoolBackward(backend: number, dinp: F32, dout: F32, B: number, S: number, C: number): void;
  globalMaxPoolForward(backend: number, out: F32, inp: F32, B: number, S: number, C: number): void;
  globalMaxPoolBackward(backend: number, dinp: F32, dout: F32, inp: F32, B: number, S: number, C: number): void;
  batchnormForwardTrain(backend: number, out: F32, savedMean: Opt, savedInvstd: Opt, movingMean: Opt, movingVar: Opt,
    inp: F32, gamma: Opt, beta: Opt, N: number, C: number, momentum: number, epsilon: number): void;
  batchnormForwardInfer(backend: number, out: F32, inp: F32, gamma: Opt, beta: Opt, movingMean: F32, movingVar: F32,
    N: number, C: number, epsilon: number): void;
  batchnormBackward(backend: number, dinp: Opt, dgamma: Opt, dbeta: Opt, dout: F32, inp: F32, gamma: Opt,
    savedMean: F32, savedInvstd: F32, N: number, C: number): void;
  dropoutForward(backend: number, out: F32, mask: F32, inp: F32, rate: number, seed: number | bigint,
    offset: number | bigint): void;
  dropoutBackward(backend: number, dinp: F32, dout: F32, mask: F32): void;
  zeroPad2dForward(backend: number, out: F32, inp: F32, ...geometry: PadGeometryArgs): void;
  zeroPad2dBackward(backend: number, dinp: F32, dout: F32, ...geometry: PadGeometryArgs): void;
  crop2dForward(backend: number, out: F32, inp: F32, ...geometry: PadGeometryArgs): void;
  crop2dBackward(backend: number, dinp: F32, dout: F32, ...geometry: PadGeometryArgs): void;
  upsample2dForward(backend: number, out: F32, inp: F32, B: number, H: number, W: number, C: number, sh: number, sw: number): void;
  upsample2dBackward(backend: number, dinp: F32, dout: F32, B: number, H: number, W: number, C: number, sh: number, sw: number): void;
}

/** B, H, W, C, OH, OW, KH, KW, K, strideH, strideW, dilationH, dilationW, padTop, padLeft. */
export type ConvGeometryArgs = [number, number, number, number, number, number, number, number, number,
  number, number, number, number, number, number];
/** The conv geometry, then the forward's fused activation: kerno_activation_kind and its alpha. */
export type ConvForwardArgs = [...ConvGeometryArgs, actKind: number, actAlpha: number];
/** B, H, W, C, OH, OW, KH, KW, strideH, strideW, padTop, padLeft. */
export type PoolGeometryArgs = [number, number, number, number, number, number, number, number, number, number,
  number, number];
/** B, H, W, C of the smaller tensor, then top, bottom, left, right. */
export type PadGeometryArgs = [number, number, number, number, number, number, number, number];

/** The loaded addon with its conv-family functions. */
export function convAddon(): NativeConvAddon {
  return loadAddon() as NativeConvAddon;
}

// ------------------------------------------------------------------------------------ geometry

/** A size per spatial axis: one number for both, or `[height, width]`. */
export type Size2 = number | readonly [number, number];

/**
 * Keras padding: `'valid'` (none), `'same'` (TensorFlow's: output = ceil(input / stride), the odd
 * pixel at the bottom/right), or explicit pads. Explicit `bottom` defaults to `top` and `right`
 * to `left`.
 */
export type Padding = 'valid' | 'same' | { top: number; left: number; bottom?: number; right?: number };

/** Output size and explicit pads of one 2-D window op. */
export interface WindowGeometry {
  outHeight: number;
  outWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/** Spatial options of a windowed op (conv or pooling). */
export interface WindowArgs {
  /** Input height. */ height: number;
  /** Input width. */ width: number;
  /** Window size `[kh, kw]` (or one number for both). */ kernelSize: Size2;
  /** Defaults to `1`. */ strides?: Size2;
  /** Defaults to `1`. */ dilationRate?: Size2;
  /** Defaults to `'valid'`. */ padding?: Padding;
}

function positive(op: string, name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return v;
  throw new ValueError(expectedMessage(where(op, name), 'a positive integer', v));
}

/** A Size2 option as [height, width] (`dflt` for both when undefined). */
export function pair(op: string, name: string, v: Size2 | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') return [positive(op, name, v), positive(op, name, v)];
  if (Array.isArray(v) && v.length === 2) return [positive(op, `${name}[0]`, v[0]), positive(op, `${name}[1]`, v[1])];
  throw new ValueError(expectedMessage(where(op, name), 'a positive integer or a pair of them', v));
}

/** One axis: output size and pads (before, after) for input n, window k, stride s, dilation d. */
function axis(op: string, label: string, n: number, k: number, s: number, d: number, padding: Padding, before: 'top' | 'left',
  after: 'bottom' | 'right'): [number, number, number] {
  const extent = (k - 1) * d + 1;
  if (padding === 'same') {
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + extent - n, 0);
    return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  let lo = 0, hi = 0;
  if (padding !== 'valid') {
    if (typeof padding !== 'object' || padding === null)
      throw new ValueError(expectedMessage(where(op, 'padding'), "'valid', 'same' or { top, left, bottom?, right? }", padding));
    lo = size(op, `padding.${before}`, padding[before]);
    hi = padding[after] === undefined ? lo : size(op, `padding.${after}`, padding[after]);
    // A pad as wide as the window would give windows that see only padding (the kernels refuse them).
    for (const [side, p] of [[before, lo], [after, hi]] as const)
      if (p >= extent) throw new ShapeError(expectedMessage(where(op, `padding.${side}`), `a pad below the window extent ${extent}`, p));
  }
  if (n + lo + hi < extent) {
    throw new ShapeError(expectedMessage(where(op, label), `an input ${label} of at least ${extent - lo - hi} for a window of extent ${extent}`,
      n, "Use padding: 'same' or a smaller kernelSize."));
  }
  return [Math.floor((n + lo + hi - extent) / s) + 1, lo, hi];
}

/** Output size and explicit pads of a conv or pooling window, as Keras computes them. */
export function windowGeometry(args: WindowArgs, op = 'windowGeometry'): WindowGeometry {
  const H = positive(op, 'height', args.height), W = positive(op, 'width', args.width);
  const [kh, kw] = pair(op, 'kernelSize', args.kernelSize, 0);
  const [sh, sw] = pair(op, 'strides', args.strides, 1);
  const [dh, dw] = pair(op, 'dilationRate', args.dilationRate, 1);
  const padding = args.padding ?? 'valid';
  const [outHeight, padTop, padBottom] = axis(op, 'height', H, kh, sh, dh, padding, 'top', 'bottom');
  const [outWidth, padLeft, padRight] = axis(op, 'width', W, kw, sw, dw, padding, 'left', 'right');
  return { outHeight, outWidth, padTop, padBottom, padLeft, padRight };
}

// ------------------------------------------------------------------------------------ conv2d

/** Sizes of a Conv2D: inp (batch,height,width,channels), kernel (kh,kw,channels,filters). */
export interface Conv2dArgs extends WindowArgs, BackendOption {
  batch: number;
  /** Input channels. */ channels: number;
  /** Output channels. */ filters: number;
}

interface ConvPlan {
  geo: ConvGeometryArgs;
  inLen: number;
  outLen: number;
  kernelLen: number;
  backend: number;
}

/** K is the kernel's last axis (filters, or the depth multiplier); outChannels the output's channels. */
function convPlan(op: string, args: Conv2dArgs, K: number, outChannels: number): ConvPlan {
  const B = size(op, 'batch', args.batch), C = positive(op, 'channels', args.channels);
  const g = windowGeometry(args, op);
  const [kh, kw] = pair(op, 'kernelSize', args.kernelSize, 0);
  const [sh, sw] = pair(op, 'strides', args.strides, 1);
  const [dh, dw] = pair(op, 'dilationRate', args.dilationRate, 1);
  const H = args.height, W = args.width;
  return {
    geo: [B, H, W, C, g.outHeight, g.outWidth, kh, kw, K, sh, sw, dh, dw, g.padTop, g.padLeft],
    inLen: B * H * W * C, outLen: B * g.outHeight * g.outWidth * outChannels, kernelLen: kh * kw * C * K,
    backend: resolveBackend(args.backend, op),
  };
}

/**
 * The activation a forward convolution applies to its output (after the bias) in the same pass,
 * bit-for-bit what `activationForward` gives on the unfused output. `alpha` and `approximate`
 * are those of {@link ActivationOptions} (defaults: Keras's).
 */
export interface FusedActivationArgs extends Omit<ActivationOptions, 'backend'> {
  /** Activation by Keras name. Defaults to `'linear'` (none). */
  activation?: ActivationName;
}

/** [kind, alpha] of the fused activation option. */
function fusedActivation(op: string, args: FusedActivationArgs): [number, number] {
  const name = args.activation ?? 'linear';
  return [activationCode(op, name, args, 'activation'), activationAlpha(op, name, args)];
}

export interface Conv2dForwardArgs extends Conv2dArgs, FusedActivationArgs {
  inp: Float32Array;
  /** Kernel (kh,kw,channels,filters). */ kernel: Float32Array;
  /** Bias (filters). Defaults to none. */ bias?: Float32Array | null;
  /** Output (batch,outHeight,outWidth,filters). Defaults to a new array. */ out?: Float32Array;
}

/** Conv2D forward, `out = activation(conv + bias)`; returns `out`. Output size from {@link windowGeometry}. */
export function conv2dForward(args: Conv2dForwardArgs): Float32Array {
  const op = 'conv2dForward';
  const K = positive(op, 'filters', args.filters), p = convPlan(op, args, K, K);
  const [kind, alpha] = fusedActivation(op, args);
  const inp = floats(op, 'inp', args.inp, p.inLen), kernel = floats(op, 'kernel', args.kernel, p.kernelLen);
  const bias = optionalFloats(op, 'bias', args.bias, K), out = output(op, 'out', args.out, p.outLen);
  try { convAddon().conv2dForward(p.backend, out, inp, kernel, bias, ...p.geo, kind, alpha); } catch (e) { rethrowNative(e); }
  return out;
}

export interface Conv2dBackwardDataArgs extends Conv2dArgs {
  /** Gradient of the output (batch,outHeight,outWidth,filters). */ dout: Float32Array;
  kernel: Float32Array;
  /** Accumulates the input gradient (batch,height,width,channels). Defaults to a new zero-filled array. */
  dinp?: Float32Array;
}

/** Conv2D input gradient, accumulated into `dinp`; returns it. */
export function conv2dBackwardData(args: Conv2dBackwardDataArgs): Float32Array {
  const op = 'conv2dBackwardData';
  const K = positive(op, 'filters', args.filters), p = convPlan(op, args, K, K);
  const dout = floats(op, 'dout', args.dout, p.outLen), kernel = floats(op, 'kernel', args.kernel, p.kernelLen);
  const dinp = output(op, 'dinp', args.dinp, p.inLen);
  try { convAddon().conv2dBackwardData(p.backend, dinp, dout, kernel, ...p.geo); } catch (e) { rethrowNative(e); }
  return dinp;
}

export interface Conv2dBackwardFilterArgs extends Conv2dArgs {
  dout: Float32Array;
  inp: Float32Array;
  /** Accumulates the kernel gradient (kh,kw,channels,filters). Defaults to a new zero-filled array. */
  dkernel?: Float32Array;
  /** Accumulates the bias gradient (filters) when given. Defaults to skipped. */ dbias?: Float32Array | null;
}

/** Conv2D kernel (and bias) gradients, accumulated; returns `dkernel`. */
export function conv2dBackwardFilter(args: Conv2dBackwardFilterArgs): Float32Array {
  const op = 'conv2dBackwardFilter';
  const K = positive(op, 'filters', args.filters), p = convPlan(op, args, K, K);
  const dout = floats(op, 'dout', args.dout, p.outLen), inp = floats(op, 'inp', args.inp, p.inLen);
  const dkernel = output(op, 'dkernel', args.dkernel, p.kernelLen), dbias = optionalFloats(op, 'dbias', args.dbias, K);
  try { convAddon().conv2dBackwardFilter(p.backend, dkernel, dbias, dout, inp, ...p.geo); } catch (e) { rethrowNative(e); }
  return dkernel;
}

// ------------------------------------------------------------------------------------ depthwise

/** DepthwiseConv2D: kernel (kh,kw,channels,depthMultiplier), output channel c·M + m from input c. */
export interface DepthwiseArgs extends Omit<Conv2dArgs, 'filters'> {
  /** Defaults to `1`. */ depthMultiplier?: number;
}

function depthwisePlan(op: string, args: DepthwiseArgs): [ConvPlan, number] {
  const M = args.depthMultiplier === undefined ? 1 : positive(op, 'depthMultiplier', args.depthMultiplier);
  const C = positive(op, 'channels', args.channels);
  return [convPlan(op, { ...args, filters: M }, M, C * M), C * M];
}

export interface DepthwiseConv2dForwardArgs extends DepthwiseArgs, FusedActivationArgs {
  inp: Float32Array;
  kernel: Float32Array;
  /** Bias (channels·depthMultiplier). Defaults to none. */ bias?: Float32Array | null;
  /** Output (batch,outHeight,outWidth,channels·depthMultiplier). Defaults to a new array. */ out?: Float32Array;
}

/** DepthwiseConv2D forward, `out = activation(conv + bias)`; returns `out`. */
export function depthwiseConv2dForward(args: DepthwiseConv2dForwardArgs): Float32Array {
  const op = 'depthwiseConv2dForward';
  const [p, CM] = depthwisePlan(op, args);
  const [kind, alpha] = fusedActivation(op, args);
  const inp = floats(op, 'inp', args.inp, p.inLen), kernel = floats(op, 'kernel', args.kernel, p.kernelLen);
  const bias = optionalFloats(op, 'bias', args.bias, CM), out = output(op, 'out', args.out, p.outLen);
  try { convAddon().depthwiseConv2dForward(p.backend, out, inp, kernel, bias, ...p.geo, kind, alpha); } catch (e) { rethrowNative(e); }
  return out;
}

export interface DepthwiseConv2dBackwardArgs extends DepthwiseArgs {
  dout: Float32Array;
  inp: Float32Array;
  kernel: Float32Array;
  /** Accumulates the input gradient when given. Defaults to skipped. */ dinp?: Float32Array | null;
  /** Accumulates the kernel gradient when given. Defaults to skipped. */ dkernel?: Float32Array | null;
  /** Accumulates the bias gradient when given. Defaults to skipped. */ dbias?: Float32Array | null;
}

/** DepthwiseConv2D backward; gradients are accumulated into the buffers given. */
export function depthwiseConv2dBackward(args: DepthwiseConv2dBackwardArgs): void {
  const op = 'depthwiseConv2dBackward';
  const [p, CM] = depthwisePlan(op, args);
  const dout = floats(op, 'dout', args.dout, p.outLen), inp = floats(op, 'inp', args.inp, p.inLen);
  const kernel = floats(op, 'kernel', args.kernel, p.kernelLen);
  const dinp = optionalFloats(op, 'dinp', args.dinp, p.inLen), dkernel = optionalFloats(op, 'dkernel', args.dkernel, p.kernelLen);
  const dbias = optionalFloats(op, 'dbias', args.dbias, CM);
  try { convAddon().depthwiseConv2dBackward(p.backend, dinp, dkernel, dbias, dout, inp, kernel, ...p.geo); } catch (e) { rethrowNative(e); }
}

// ------------------------------------------------------------------------------------ pooling

/** MaxPooling2D / AveragePooling2D over inp (batch,height,width,channels). */
export interface Pool2dArgs extends BackendOption {
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** Window `[ph, pw]`. Defaults to `2` (Keras). */ poolSize?: Size2;
  /** Defaults to `poolSize` (Keras). */ strides?: Size2;
  /** Defaults to `'valid'`. */ padding?: Padding;
}

function poolPlan(op: string, args: Pool2dArgs): { geo: PoolGeometryArgs; inLen: number; outLen: number; backend: number } {
  const B = size(op, 'batch', args.batch), C = positive(op, 'channels', args.channels);
  const [ph, pw] = pair(op, 'poolSize', args.poolSize, 2);
  const strides = args.strides ?? [ph, pw];
  const [sh, sw] = pair(op, 'strides', strides, 1);
  const g = windowGeometry({ height: args.height, width: args.width, kernelSize: [ph, pw], strides, padding: args.padding }, op);
  const H = args.height, W = args.width;
  return {
    geo: [B, H, W, C, g.outHeight, g.outWidth, ph, pw, sh, sw, g.padTop, g.padLeft],
    inLen: B * H * W * C, outLen: B * g.outHeight * g.outWidth * C, backend: resolveBackend(args.backend, op),
  };
}

/** MaxPooling2D forward (padding never wins); returns `out` (defaults to a new array). */
export function maxPool2dForward(args: Pool2dArgs & { inp: Float32Array; out?: Float32Array }): Float32Array {
  const op = 'maxPool2dForward', p = poolPlan(op, args);
  const inp = floats(op, 'inp', args.inp, p.inLen), out = output(op, 'out', args.out, p.outLen);
  try { convAddon().maxPool2dForward(p.backend, out, inp, ...p.geo); } catch (e) { rethrowNative(e); }
  return out;
}

/** MaxPooling2D backward: accumulates `dout` at each window's first maximum into `dinp` (defaults to new); returns it. */
export function maxPool2dBackward(args: Pool2dArgs & { dout: Float32Array; inp: Float32Array; dinp?: Float32Array }): Float32Array {
  const op = 'maxPool2dBackward', p = poolPlan(op, args);
  const dout = floats(op, 'dout', args.dout, p.outLen), inp = floats(op, 'inp', args.inp, p.inLen);
  const dinp = output(op, 'dinp', args.dinp, p.inLen);
  try { convAddon().maxPool2dBackward(p.backend, dinp, dout, inp, ...p.geo); } catch (e) { rethrowNative(e); }
  return dinp;
}

/** AveragePooling2D forward (padding not counted, as Keras); returns `out` (defaults to a new array). */
export function avgPool2dForward(args: Pool2dArgs & { inp: Float32Array; out?: Float32Array }): Float32Array {
  const op = 'avgPool2dForward', p = poolPlan(op, args);
  const inp = floats(op, 'inp', args.inp, p.inLen), out = output(op, 'out', args.out, p.outLen);
  try { convAddon().avgPool2dForward(p.backend, out, inp, ...p.geo); } catch (e) { rethrowNative(e); }
  return out;
}

/** AveragePooling2D backward, accumulated into `dinp` (defaults to new); returns it. */
export function avgPool2dBackward(args: Pool2dArgs & { dout: Float32Array; dinp?: Float32Array }): Float32Array {
  const op = 'avgPool2dBackward', p = poolPlan(op, args);
  const dout = floats(op, 'dout', args.dout, p.outLen), dinp = output(op, 'dinp', args.dinp, p.inLen);
  try { convAddon().avgPool2dBackward(p.backend, dinp, dout, ...p.geo); } catch (e) { rethrowNative(e); }
  return dinp;
}

/** GlobalAveragePooling2D / GlobalMaxPooling2D: inp (batch,height,width,channels) → (batch,channels). */
export interface GlobalPoolArgs extends BackendOption {
  batch: number;
  height: number;
  width: number;
  channels: number;
}

function globalSizes(op: string, a: GlobalPoolArgs): [number, number, number] {
  return [size(op, 'batch', a.batch), positive(op, 'height', a.height) * positive(op, 'width', a.width), size(op, 'channels', a.channels)];
}

/** Global pooling forward, `'avg'` or `'max'`; returns `out` (batch,channels), a new array by default. */
export function globalPool2dForward(kind: 'avg' | 'max', args: GlobalPoolArgs & { inp: Float32Array; out?: Float32Array }): Float32Array {
  const op = kind === 'max' ? 'globalMaxPoolForward' : 'globalAvgPoolForward';
  if (kind !== 'avg' && kind !== 'max') throw new ValueError(expectedMessage(where(op, 'kind'), "'avg' or 'max'", kind));
  const [B, S, C] = globalSizes(op, args);
  const inp = floats(op, 'inp', args.inp, B * S * C), out = output(op, 'out', args.out, B * C);
  const backend = resolveBackend(args.backend, op), addon = convAddon();
  try { addon[op](backend, out, inp, B, S, C); } catch (e) { rethrowNative(e); }
  return out;
}

/** Global pooling backward, accumulated into `dinp` (defaults to new); `'max'` needs the forward `inp`. */
export function globalPool2dBackward(kind: 'avg' | 'max',
  args: GlobalPoolArgs & { dout: Float32Array; inp?: Float32Array; dinp?: Float32Array }): Float32Array {
  const op = kind === 'max' ? 'globalMaxPoolBackward' : 'globalAvgPoolBackward';
  if (kind !== 'avg' && kind !== 'max') throw new ValueError(expectedMessage(where(op, 'kind'), "'avg' or 'max'", kind));
  const [B, S, C] = globalSizes(op, args);
  const dout = floats(op, 'dout', args.dout, B * C), dinp = output(op, 'dinp', args.dinp, B * S * C);
  const backend = resolveBackend(args.backend, op);
  try {
    if (kind === 'max') convAddon().globalMaxPoolBackward(backend, dinp, dout, floats(op, 'inp', args.inp, B * S * C), B, S, C);
    else convAddon().globalAvgPoolBackward(backend, dinp, dout, B, S, C);
  } catch (e) { rethrowNative(e); }
  return dinp;
}
