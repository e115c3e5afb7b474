/**
 * The native addon: loading, its typed raw interface, and validated wrappers with named options.
 *
 * The wrappers are the internal layer the engine calls on every step, so they check arguments
 * without allocating (messages are built only on failure) and allocate only outputs the caller
 * did not pass. The raw addon repeats only the checks that protect memory.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { DeviceInfo } from './backend.js';
import { KernoError, NativeError, ValueError, expectedMessage } from './errors.js';
import { bool, finite, floats, optionalFloats, output, seedValue, size, span, where } from './nativeArgs.js';

/** What `backendInfo()` of the raw addon returns. */
export interface NativeBackendInfo {
  /** SIMD level of the default CPU backend (after the `KERNO_SIMD` cap). */ simd: 'portable' | 'avx2' | 'avx512';
  /** Worker threads the CPU kernels use. */ threads: number;
  /** Physical cores detected. */ physicalCores: number;
  /** Backend names by registry index; index 0 is `'reference'`. */ backends: string[];
  /** Index of the fastest CPU backend, used when no backend is named. */ defaultBackend: number;
  /** Whether CUDA support was compiled in, and the devices found at run time. */
  cuda: { built: boolean; devices: number };
  /** The CUDA devices found, by CUDA index (the public `backendInfo().devices` entries). */
  devices: DeviceInfo[];
}

/** An opaque handle of a device mirror (native/binding/mirror.h); freed by `mirrorFree` or garbage collection. */
export interface MirrorHandle {
  readonly __kernoMirror: unique symbol;
}

type F32 = Float32Array;
type Flag = number | boolean;

/**
 * Trailing arguments of `optimizerUpdate`: groups of five (offset, rows, cols, u | null, v), each a
 * weight whose gradient the kernel generates as the outer product u·vᵀ (kerno_outer_grad in kernels.h).
 */
export type OuterGradArgs = (number | Float32Array | null)[];

/**
 * The raw addon (native/binding). Arguments are positional and follow native/include/kerno/kernels.h:
 * outputs, inputs, sizes, parameters, with the backend index first and enums as numbers.
 * Each function throws TypeError/RangeError for arguments that would endanger memory and an
 * Error with `code` ('KERNO_ERR_...') and `status` when a kernel fails.
 */
export interface NativeAddon {
  backendInfo(): NativeBackendInfo;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  gemm(backend: number, C: F32, A: F32, B: F32, transA: Flag, transB: Flag, M: number, N: number, K: number,
    lda: number, ldb: number, ldc: number, alpha: number, beta: number): void;
  denseForward(backend: number, out: F32, inp: F32, kernel: F32, bias: F32 | null, B: number, I: number, U: number): void;
  denseBackward(backend: number, dinp: F32 | null, dkernel: F32 | null, dbias: F32 | null, dout: F32, inp: F32,
    kernel: F32, B: number, I: number, U: number): void;
  activationForward(backend: number, out: F32, inp: F32, kind: number, alpha: number): void;
  activationBackward(backend: number, dinp: F32, dout: F32, inp: F32, out: F32, kind: number, alpha: number): void;
  softmaxForward(backend: number, out: F32, inp: F32, R: number, C: number): void;
  softmaxBackward(backend: number, dinp: F32, dout: F32, out: F32, R: number, C: number): void;
  /** `delta` is Huber's (kind 8), 1 when left out. */
  lossForward(backend: number, loss: F32, pred: F32, target: F32, B: number, C: number, kind: number,
    labelSmoothing: number, delta?: number): void;
  lossBackward(backend: number, dpred: F32, pred: F32, target: F32, weight: F32 | null, B: number, C: number,
    kind: number, labelSmoothing: number, delta?: number): void;
  /** `uProduct` (kerno_optimizer_params.u_product) is read for Nadam (kind 4) only, and required there. */
  optimizerUpdate(backend: number, param: F32, grad: F32, slot0: F32 | null, slot1: F32 | null, slot2: F32 | null,
    kind: number, learningRate: number, weightDecay: number, momentum: number, nesterov: Flag, rho: number,
    centered: Flag, beta1: number, beta2: number, amsgrad: Flag, epsilon: number, step: number, uProduct?: number,
    zeroGrad?: Flag, ...outer: OuterGradArgs): void;
  sumSquares(backend: number, x: F32): number;
  scale(backend: number, x: F32, s: number): void;
  clipByValue(backend: number, x: F32, v: number): void;
  rngFill(backend: number, out: F32, distribution: number, a: number, b: number, seed: number | bigint,
    offset: number | bigint): void;
  /**
   * Batch assembly (host memory, no backend): dst row r = src row idx[start + r] for r < count,
   * rows of `rowLength` elements converted to float32 as TypedArray.set converts them.
   */
  gatherRows(dst: F32, src: Float32Array | Uint8Array | Int32Array, rowLength: number, idx: Int32Array, start: number,
    count: number): void;
  /** Index of the first NaN or ±Infinity in `x`, or -1 (host memory, no backend). */
  firstNonFinite(x: Float32Array): number;

  // Device mirrors (native/binding/mirror.h). On a device backend every F32 argument of the ops
  // above must lie inside a mirror of that backend, and resolves to the device copy.
  /** Device memory for exactly `array`'s bytes on device backend `backend`, initialised from it. */
  mirrorCreate(backend: number, array: F32): MirrorHandle;
  /** Frees the device memory now; later uses of the region are errors. Freeing twice is a no-op. */
  mirrorFree(handle: MirrorHandle): void;
  /** Host → device, for the bytes of `view` (inside a mirror). */
  mirrorUpload(view: F32): void;
  /** Device → host, for the bytes of `view`; returns once the host copy is written. */
  mirrorDownload(view: F32): void;
  /** Zeroes the device copy of `view`. */
  mirrorZero(view: F32): void;
  /** Device-to-device copy of `src` into `dst` (same length, same backend). */
  mirrorCopy(dst: F32, src: F32): void;
}

// ------------------------------------------------------------------------------------ loading

const requireNative = createRequire(import.meta.url);
// src/native.ts and dist/native.js both sit one level below the package root.
const packageRoot = fileURLToPath(new URL('..', import.meta.url));
let addon: NativeAddon | undefined;

/**
 * Loads build/Release/kerno.node (or build/Debug) once and returns it. Loading is lazy so that
 * the pure-JS parts of kerno stay usable, and testable, without a built addon.
 */
export function loadAddon(): NativeAddon {
  if (addon) return addon;
  const candidates = ['build/Release/kerno.node', 'build/Debug/kerno.node'].map((p) => packageRoot + p);
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new KernoError(
      `kerno native addon expected at ${candidates[0]}, received no file. ` +
        'Run `npm install` (which builds it) or `npm run build:native` in the kerno package.',
    );
  }
  try {
    addon = requireNative(path) as NativeAddon;
  } catch (e) {
    throw new KernoError(
      `kerno native addon at ${path} failed to load: ${(e as Error).message} ` +
        'Rebuild it for this Node.js with `npm run build:native`.',
      { cause: e },
    );
  }
  return addon;
}

// ------------------------------------------------------------------------------------ enums

/** Activation functions, by the Keras name in camelCase. `swish` is Keras's alias of `silu`. */
export type ActivationName =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'elu' | 'gelu' | 'softplus' | 'silu' | 'swish';
/** Losses. `softmaxCrossentropy`, `sparseSoftmaxCrossentropy`, `sigmoidCrossentropy` take logits. */
export type LossName =
  | 'categoricalCrossentropy' | 'softmaxCrossentropy' | 'sparseCategoricalCrossentropy'
  | 'sparseSoftmaxCrossentropy' | 'binaryCrossentropy' | 'sigmoidCrossentropy'
  | 'meanSquaredError' | 'meanAbsoluteError' | 'huber';
/** Optimizer update rules (AdamW is `'adam'` with `weightDecay`). */
export type OptimizerName = 'sgd' | 'adagrad' | 'rmsprop' | 'adam' | 'nadam' | 'adamax';
/** Distributions of `rngFill`. */
export type DistributionName = 'uniform' | 'normal' | 'truncatedNormal';

// Numbers from kernels.h (kerno_activation_kind; GELU's tanh form is 7, chosen by `approximate`).
const ACTIVATIONS: Readonly<Record<ActivationName, number>> = {
  linear: 0, relu: 1, sigmoid: 2, tanh: 3, leakyRelu: 4, elu: 5, gelu: 6, softplus: 8, silu: 9, swish: 9,
};
const GELU_TANH = 7;
const LOSSES: Readonly<Record<LossName, number>> = {
  categoricalCrossentropy: 0, softmaxCrossentropy: 1, sparseCategoricalCrossentropy: 2,
  sparseSoftmaxCrossentropy: 3, binaryCrossentropy: 4, sigmoidCrossentropy: 5, meanSquaredError: 6,
  meanAbsoluteError: 7, huber: 8,
};
const OPTIMIZERS: Readonly<Record<OptimizerName, number>> = { sgd: 0, adagrad: 1, rmsprop: 2, adam: 3, nadam: 4, adamax: 5 };
const DISTRIBUTIONS: Readonly<Record<DistributionName, number>> = { uniform: 0, normal: 1, truncatedNormal: 2 };

function enumValue<K extends string>(op: string, name: string, table: Readonly<Record<K, number>>, v: unknown): number {
  // hasOwn keeps inherited names such as 'toString' out.
  if (typeof v === 'string' && Object.hasOwn(table, v)) return table[v as K];
  throw new ValueError(expectedMessage(where(op, name), `one of ${Object.keys(table).join(', ')}`, v));
}

// ------------------------------------------------------------------------------------ backends

/** A backend: its index in `backendInfo().backends` or its name (e.g. `'reference'`, `'cpu-avx2'`). */
export type BackendSelector = number | string;

/** Options shared by every op. */
export interface BackendOption {
  /** Backend to run on. Defaults to the fastest CPU backend (`backendInfo().defaultBackend`). */
  backend?: BackendSelector;
}

// The registry is fixed once the addon is loaded, so its names are read once.
let registry: { names: readonly string[]; defaultIndex: number } | undefined;

/** Resolves a backend selector to its registry index. */
export function resolveBackend(backend: BackendSelector | undefined, op = 'backend'): number {
  if (!registry) {
    const info = loadAddon().backendInfo();
    registry = { names: Object.freeze([...info.backends]), defaultIndex: info.defaultBackend };
  }
  if (backend === undefined) return registry.defaultIndex;
  const index = typeof backend === 'string' ? registry.names.indexOf(backend) : backend;
  if (Number.isInteger(index) && index >= 0 && index < registry.names.length) return index;
  throw new ValueError(expectedMessage(where(op, 'backend'),
    `a backend index in [0, ${registry.names.length}) or one of ${registry.names.join(', ')}`, backend));
}

/**
 * Rethrows a kernel status error of the raw addon as a NativeError (keeping `code` and the
 * message); other errors pass through unchanged. For callers of the raw addon, as the wrappers.
 */
export function rethrowNative(e: unknown): never {
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof Error && typeof code === 'string' && code.startsWith('KERNO_ERR_')) {
    throw new NativeError(e.message, String((e as { status?: unknown }).status ?? code), code);
  }
  throw e;
}

// ------------------------------------------------------------------------------------ GEMM

/** `c (m,n) = alpha · op(a) · op(b) + beta · c`, with op(a) (m,k) and op(b) (k,n), row-major. */
export interface GemmArgs extends BackendOption {
  /** A, stored (m,k), or (k,m) when `transA`. */ a: Float32Array;
  /** B, stored (k,n), or (n,k) when `transB`. */ b: Float32Array;
  /** C (m,n) with leading dimension `ldc`. Defaults to a new zero-filled array. */ c?: Float32Array;
  /** Use Aᵀ. Defaults to `false`. */ transA?: boolean;
  /** Use Bᵀ. Defaults to `false`. */ transB?: boolean;
  /** Rows of op(a) and c. */ m: number;
  /** Columns of op(b) and c. */ n: number;
  /** Columns of op(a), rows of op(b). */ k: number;
  /** Defaults to `1`. */ alpha?: number;
  /** Defaults to `0`; with 0, C is overwritten without being read. */ beta?: number;
  /** Leading dimension of A. Defaults to its stored column count (k, or m when `transA`). */ lda?: number;
  /** Leading dimension of B. Defaults to its stored column count (n, or k when `transB`). */ ldb?: number;
  /** Leading dimension of C. Defaults to `n`. */ ldc?: number;
}

/** General matrix multiply; returns `c`. */
export function gemm(args: GemmArgs): Float32Array {
  const op = 'gemm';
  const { transA = false, transB = false, alpha = 1, beta = 0 } = args;
  const m = size(op, 'm', args.m), n = size(op, 'n', args.n), k = size(op, 'k', args.k);
  bool(op, 'transA', transA); bool(op, 'transB', transB);
  // Stored shapes: A (m,k) or (k,m), B (k,n) or (n,k).
  const lda = leading(op, 'lda', args.lda, transA ? m : k), ldb = leading(op, 'ldb', args.ldb, transB ? k : n);
  const ldc = leading(op, 'ldc', args.ldc, n);
  const a = floats(op, 'a', args.a, transA ? span(k, m, lda) : span(m, k, lda));
  const b = floats(op, 'b', args.b, transB ? span(n, k, ldb) : span(k, n, ldb));
  const c = output(op, 'c', args.c, span(m, n, ldc));
  finite(op, 'alpha', alpha); finite(op, 'beta', beta);
  const backend = resolveBackend(args.backend, op);
  try {
    loadAddon().gemm(backend, c, a, b, transA ? 1 : 0, transB ? 1 : 0, m, n, k, lda, ldb, ldc, alpha, beta);
  } catch (e) { rethrowNative(e); }
  return c;
}

function leading(op: string, name: string, v: number | undefined, cols: number): number {
  if (v === undefined) return cols;
  if (size(op, name, v) < cols) throw new ValueError(expectedMessage(where(op, name), `an integer >= ${cols}`, v));
  return v;
}

// ------------------------------------------------------------------------------------ dense

/** Sizes of a Dense layer's tensors: inp (batch,inputs), kernel (inputs,units), out (batch,units). */
export interface DenseSizes extends BackendOption {
  batch: number;
  inputs: number;
  units: number;
}

export interface DenseForwardArgs extends DenseSizes {
  inp: Float32Array;
  kernel: Float32Array;
  /** Bias (units). Defaults to none. */ bias?: Float32Array | null;
  /** Output (batch,units). Defaults to a new array. */ out?: Float32Array;
}

/** `out = inp · kernel + bias`; returns `out`. */
export function denseForward(args: DenseForwardArgs): Float32Array {
  const op = 'denseForward';
  const B = size(op, 'batch', args.batch), I = size(op, 'inputs', args.inputs), U = size(op, 'units', args.units);
  const inp = floats(op, 'inp', args.inp, B * I);
  const kernel = floats(op, 'kernel', args.kernel, I * U);
  const bias = optionalFloats(op, 'bias', args.bias, U);
  const out = output(op, 'out', args.out, B * U);
  const backend = resolveBackend(args.backend, op);
  try { loadAddon().denseForward(backend, out, inp, kernel, bias, B, I, U); } catch (e) { rethrowNative(e); }
  return out;
}

export interface DenseBackwardArgs extends DenseSizes {
  /** Gradient of the output (batch,units). */ dout: Float32Array;
  inp: Float32Array;
  kernel: Float32Array;
  /** Accumulates `dout · kernelᵀ` (batch,inputs) when given. Defaults to skipped. */ dinp?: Float32Array | null;
  /** Accumulates `inpᵀ · dout` (inputs,units) when given. Defaults to skipped. */ dkernel?: Float32Array | null;
  /** Accumulates `Σ_batch dout` (units) when given. Defaults to skipped. */ dbias?: Float32Array | null;
}

/** Dense backward pass; gradients are accumulated (`+=`) into the buffers given. */
export function denseBackward(args: DenseBackwardArgs): void {
  const op = 'denseBackward';
  const B = size(op, 'batch', args.batch), I = size(op, 'inputs', args.inputs), U = size(op, 'units', args.units);
  const dout = floats(op, 'dout', args.dout, B * U);
  const inp = floats(op, 'inp', args.inp, B * I);
  const kernel = floats(op, 'kernel', args.kernel, I * U);
  const dinp = optionalFloats(op, 'dinp', args.dinp, B * I);
  const dkernel = optionalFloats(op, 'dkernel', args.dkernel, I * U);
  const dbias = optionalFloats(op, 'dbias', args.dbias, U);
  const backend = resolveBackend(args.backend, op);
  try { loadAddon().denseBackward(backend, dinp, dkernel, dbias, dout, inp, kernel, B, I, U); } catch (e) { rethrowNative(e); }
}

// ------------------------------------------------------------------------------------ activations

export interface ActivationOptions extends BackendOption {
  /**
   * `leakyRelu`: negative slope, defaults to `0.2` (keras.activations.leaky_relu; the LeakyReLU
   * layer passes its own 0.3). `elu`: defaults to `1`. Ignored by the other kinds.
   */
  alpha?: number;
  /** `gelu` only: use the tanh approximation. Defaults to `false` (the exact erf form, as Keras). */
  approximate?: boolean;
}

// Two functions rather than one returning a pair, so a call allocates nothing. Exported for the
// fused activation of nativeConv.ts's conv wrappers, whose option is named `argName`.
export function activationCode(op: string, kind: ActivationName, opts: ActivationOptions | undefined, argName = 'kind'): number {
  const code = enumValue(op, argName, ACTIVATIONS, kind);
  if (opts?.approximate === undefined || !bool(op, 'approximate', opts.approximate)) return code;
  return kind === 'gelu' ? GELU_TANH : code;
}

export function activationAlpha(op: string, kind: ActivationName, opts: ActivationOptions | undefined): number {
  if (opts?.alpha !== undefined) return finite(op, 'alpha', opts.alpha);
  return kind === 'elu' ? 1 : kind === 'leakyRelu' ? 0.2 : 0;
}

/** `out = act(inp)` elementwise; `out` may be `inp`. Defaults to a new output; returns it. */
export function activationForward(kind: ActivationName, inp: Float32Array, out?: Float32Array,
  opts?: ActivationOptions): Float32Array {
  const op = 'activationForward';
  const code = activationCode(op, kind, opts), alpha = activationAlpha(op, kind, opts);
  const x = floats(op, 'inp', inp, 0);
  const y = output(op, 'out', out, x.length);
  const backend = resolveBackend(opts?.backend, op);
  try { loadAddon().activationForward(backend, y, x, code, alpha); } catch (e) { rethrowNative(e); }
  return y;
}

export interface ActivationBackwardArgs extends ActivationOptions {
  /** Gradient of the output. */ dout: Float32Array;
  /** The forward input. */ inp: Float32Array;
  /** The forward output. */ out: Float32Array;
  /** Accumulates `dout · act'(inp)`. Defaults to a new zero-filled array. */ dinp?: Float32Array;
}

/** Activation backward pass; returns `dinp`. All buffers hold `inp.length` elements at least. */
export function activationBackward(kind: ActivationName, args: ActivationBackwardArgs): Float32Array {
  const op = 'activationBackward';
  const code = activationCode(op, kind, args), alpha = activationAlpha(op, kind, args);
  const inp = floats(op, 'inp', args.inp, 0);
  const n = inp.length;
  const dout = floats(op, 'dout', args.dout, n), out = floats(op, 'out', args.out, n);
  const dinp = output(op, 'dinp', args.dinp, n);
  const backend = resolveBackend(args.backend, op);
  try { loadAddon().activationBackward(backend, dinp, dout, inp, out, code, alpha); } catch (e) { rethrowNative(e); }
  return dinp;
}

// ------------------------------------------------------------------------------------ softmax

export interface SoftmaxArgs extends BackendOption {
  rows: number;
  /** Softmax runs along each row of `cols` elements. */ cols: number;
}

/** Row-wise softmax; `out` may be `inp`. Defaults to a new output; returns it. */
export function softmaxForward(args: SoftmaxArgs & { inp: Float32Array; out?: Float32Array }): Float32Array {
  const op = 'softmaxForward';
  const n = size(op, 'rows', args.rows) * size(op, 'cols', args.cols);
  const inp = floats(op, 'inp', args.inp, n);
  const out = output(op, 'out', args.out, n);
  const backend = resolveBackend(args.backend, op);
  try { loadAddon().softmaxForward(backend, out, inp, args.rows, args.cols); } catch (e) { rethrowNative(e); }
  return out;
}

/** Softmax backward from its output; accumulates into `dinp` (defaults to a new array); returns it. */
export function softmaxBackward(args: SoftmaxArgs & { dout: Float32Array; out: Float32Array; dinp?: Float32Array }): Float32Array {
  const op = 'softmaxBackward';
  const n = size(op, 'rows', args.rows) * size(op, 'cols', args.cols);
  const dout = floats(op, 'dout', args.dout, n), out = floats(op, 'out', args.out, n);
  const dinp = output(op, 'dinp', args.dinp, n);
  const backend = resolveBackend(args.backend, op);
  try { loadAddon().softmaxBackward(backend, dinp, dout, out, args.rows, args.cols); } catch (e) { rethrowNative(e); }
  return dinp;
}

// ------------------------------------------------------------------------------------ losses

export interface LossArgs extends BackendOption {
  /** Predictions (batch,classes): probabilities, or logits for the softmax/sigmoid kinds. */ pred: Float32Array;
  /** Targets (batch,classes), or (batch) class indices for the sparse kinds. */ target: Float32Array;
  batch: number;
  classes: number;
  /** Keras label_smoothing, for the non-sparse crossentropies only. Defaults to `0`. */ labelSmoothing?: number;
  /** Huber's delta (finite, > 0), for `'huber'` only. Defaults to `1` (Keras). */ delta?: number;
}

const SMOOTHABLE = new Set<LossName>(['categoricalCrossentropy', 'softmaxCrossentropy', 'binaryCrossentropy', 'sigmoidCrossentropy']);

/** Validates a loss call (all but the output buffers) and returns the kernel kind. */
function lossKind(op: string, kind: LossName, args: LossArgs): number {
  const code = enumValue(op, 'kind', LOSSES, kind);
  const B = size(op, 'batch', args.batch), C = size(op, 'classes', args.classes);
  const smoothing = args.labelSmoothing === undefined ? 0 : finite(op, 'labelSmoothing', args.labelSmoothing, 0, 1);
  if (smoothing !== 0 && !SMOOTHABLE.has(kind))
    throw new ValueError(expectedMessage(where(op, 'labelSmoothing'), `0 for ${kind}`, smoothing));
  if (args.delta !== undefined) {
    if (kind !== 'huber') throw new ValueError(expectedMessage(where(op, 'delta'), `no delta for ${kind} (Huber only)`, args.delta));
    if (!(typeof args.delta === 'number' && Number.isFinite(args.delta) && args.delta > 0))
      throw new ValueError(expectedMessage(where(op, 'delta'), 'a finite number > 0', args.delta));
  }
  floats(op, 'pred', args.pred, B * C);
  const sparse = code === 2 || code === 3;
  const target = floats(op, 'target', args.target, sparse ? B : B * C);
  if (sparse) {
    for (let i = 0; i < B; i++) {
      const t = target[i];
      if (!(Number.isInteger(t) && t >= 0 && t < C))
        throw new ValueError(expectedMessage(where(op, 'target'), `class indices that are integers in [0, ${C})`, t,
          `(element ${i})`));
    }
  }
  return code;
}

/** Per-sample loss (batch), unweighted. Defaults to a new output; returns it. */
export function lossForward(kind: LossName, args: LossArgs & { loss?: Float32Array }): Float32Array {
  const op = 'lossForward';
  const code = lossKind(op, kind, args);
  const loss = output(op, 'loss', args.loss, args.batch);
  const backend = resolveBackend(args.backend, op);
  try {
    loadAddon().lossForward(backend, loss, args.pred, args.target, args.batch, args.classes, code, args.labelSmoothing ?? 0,
      args.delta ?? 1);
  } catch (e) { rethrowNative(e); }
  return loss;
}

/**
 * Writes `dpred` = ∂/∂pred of Σ_i weight_i·loss_i / batch (Keras's "sum over batch size").
 * `weight` (batch) defaults to all ones; `dpred` defaults to a new array. Returns `dpred`.
 */
export function lossBackward(kind: LossName, args: LossArgs & { weight?: Float32Array | null; dpred?: Float32Array }): Float32Array {
  const op = 'lossBackward';
  const code = lossKind(op, kind, args);
  const B = args.batch, C = args.classes;
  const weight = optionalFloats(op, 'weight', args.weight, B);
  const dpred = output(op, 'dpred', args.dpred, B * C);
  const backend = resolveBackend(args.backend, op);
  try {
    loadAddon().lossBackward(backend, dpred, args.pred, args.target, weight, B, C, code, args.labelSmoothing ?? 0,
      args.delta ?? 1);
  } catch (e) { rethrowNative(e); }
  return dpred;
}

// ------------------------------------------------------------------------------------ optimizers

/** Hyper-parameters of one update; defaults are Keras 3's. */
export interface OptimizerParams {
  learningRate: number;
  /** Decoupled weight decay (AdamW). Defaults to `0`. */ weightDecay?: number;
  /** SGD and RMSprop, in [0, 1]. Defaults to `0`. */ momentum?: number;
  /** SGD. Defaults to `false`. */ nesterov?: boolean;
  /** RMSprop. Defaults to `0.9`. */ rho?: number;
  /** RMSprop. Defaults to `false`. */ centered?: boolean;
  /** Adam, Nadam, Adamax. Defaults to `0.9`. */ beta1?: number;
  /** Adam, Nadam, Adamax. Defaults to `0.999`. */ beta2?: number;
  /** Adam. Defaults to `false`. */ amsgrad?: boolean;
  /** Defaults to `1e-7`. */ epsilon?: number;
  /**
   * Nadam, required there: Keras's `u_product` after this step, in [0, 1] (state carried across
   * steps; `Nadam.uProductAt(beta1, step)` computes it). No default.
   */
  uProduct?: number;
}

export interface OptimizerUpdateArgs extends OptimizerParams, BackendOption {
  param: Float32Array;
  /** Gradient, clipped beforehand. */ grad: Float32Array;
  /** Slot buffers in kernels.h order; `requiredSlots` says which must be given. Defaults to none. */
  slots?: readonly (Float32Array | null | undefined)[];
  /** 1-based number of this step (Keras iterations + 1). */ step: number;
}

/** Which of the three slot buffers an update with these parameters uses. */
export function requiredSlots(kind: OptimizerName, p: Omit<OptimizerParams, 'learningRate'> = {}): [boolean, boolean, boolean] {
  switch (enumValue('requiredSlots', 'kind', OPTIMIZERS, kind)) {
    case 0: return [(p.momentum ?? 0) !== 0, false, false];
    case 1: return [true, false, false];
    case 2: return [true, (p.momentum ?? 0) !== 0, p.centered === true];
    case 3: return [true, true, p.amsgrad === true];
    default: return [true, true, false];
  }
}

const NO_SLOTS: readonly (F32 | null | undefined)[] = [];

/** One optimizer step over a flat parameter buffer, in place (param and slots). */
export function optimizerUpdate(kind: OptimizerName, args: OptimizerUpdateArgs): void {
  const op = 'optimizerUpdate';
  const code = enumValue(op, 'kind', OPTIMIZERS, kind);
  const param = floats(op, 'param', args.param, 0);
  const n = param.length;
  const grad = floats(op, 'grad', args.grad, n);
  const lr = finite(op, 'learningRate', args.learningRate, 0);
  const wd = args.weightDecay === undefined ? 0 : finite(op, 'weightDecay', args.weightDecay, 0);
  const momentum = args.momentum === undefined ? 0 : finite(op, 'momentum', args.momentum, 0, 1);
  const nesterov = args.nesterov === undefined ? false : bool(op, 'nesterov', args.nesterov);
  const rho = args.rho === undefined ? 0.9 : finite(op, 'rho', args.rho, 0, 1);
  const centered = args.centered === undefined ? false : bool(op, 'centered', args.centered);
  const beta1 = args.beta1 === undefined ? 0.9 : finite(op, 'beta1', args.beta1, 0, 1);
  const beta2 = args.beta2 === undefined ? 0.999 : finite(op, 'beta2', args.beta2, 0, 1);
  const amsgrad = args.amsgrad === undefined ? false : bool(op, 'amsgrad', args.amsgrad);
  const epsilon = args.epsilon === undefined ? 1e-7 : finite(op, 'epsilon', args.epsilon, 0);
  const step = size(op, 'step', args.step);
  if (step < 1) throw new ValueError(expectedMessage(where(op, 'step'), 'a 1-based step (>= 1)', step));
  const uProduct = code === 4 ? finite(op, 'uProduct', args.uProduct, 0, 1) : 0;
  const given = args.slots ?? NO_SLOTS;
  if (!Array.isArray(given)) throw new ValueError(expectedMessage(where(op, 'slots'), 'an array of Float32Array', given));
  // Inline rather than requiredSlots() so a training step allocates nothing.
  const need0 = code !== 0 || momentum !== 0;
  const need1 = code >= 3 || (code === 2 && momentum !== 0);
  const need2 = (code === 2 && centered) || (code === 3 && amsgrad);
  const s0 = slot(op, 0, given[0], need0, n), s1 = slot(op, 1, given[1], need1, n), s2 = slot(op, 2, given[2], need2, n);
  const backend = resolveBackend(args.backend, op);
  try {
    loadAddon().optimizerUpdate(backend, param, grad, s0, s1, s2, code, lr, wd, momentum, nesterov, rho, centered,
      beta1, beta2, amsgrad, epsilon, step, uProduct);
  } catch (e) { rethrowNative(e); }
}

function slot(op: string, i: number, v: unknown, needed: boolean, n: number): F32 | null {
  if (needed && (v === undefined || v === null))
    throw new ValueError(expectedMessage(where(op, `slots[${i}]`), `a Float32Array of ${n} elements (this update uses it)`, v));
  return optionalFloats(op, `slots[${i}]`, v, n);
}

// ------------------------------------------------------------------------------------ utilities

/** Σ x², accumulated in double. */
export function sumSquares(x: Float32Array, opts?: BackendOption): number {
  const v = floats('sumSquares', 'x', x, 0);
  const backend = resolveBackend(opts?.backend, 'sumSquares');
  try { return loadAddon().sumSquares(backend, v); } catch (e) { rethrowNative(e); }
}

/** `x *= s` in place; returns `x`. */
export function scale(x: Float32Array, s: number, opts?: BackendOption): Float32Array {
  const v = floats('scale', 'x', x, 0);
  finite('scale', 's', s);
  const backend = resolveBackend(opts?.backend, 'scale');
  try { loadAddon().scale(backend, v, s); } catch (e) { rethrowNative(e); }
  return v;
}

/** `x = clamp(x, -v, v)` in place; returns `x`. */
export function clipByValue(x: Float32Array, v: number, opts?: BackendOption): Float32Array {
  const buf = floats('clipByValue', 'x', x, 0);
  finite('clipByValue', 'v', v, 0);
  const backend = resolveBackend(opts?.backend, 'clipByValue');
  try { loadAddon().clipByValue(backend, buf, v); } catch (e) { rethrowNative(e); }
  return buf;
}

/** Options of `rngFill`. Element i depends only on (seed, offset + i). */
export type RngFillArgs = BackendOption & {
  /** Non-negative safe integer or BigInt below 2^64. */ seed: number | bigint;
  /** Index of the first element in the stream. Defaults to `0`. */ offset?: number | bigint;
} & (
  | { distribution: 'uniform'; /** Defaults to `0`. */ minval?: number; /** Defaults to `1`. */ maxval?: number }
  | { distribution: 'normal' | 'truncatedNormal'; /** Defaults to `0`. */ mean?: number; /** Defaults to `1`. */ stddev?: number }
);

/** Fills `out` with random numbers (truncatedNormal redraws outside mean ± 2·stddev); returns `out`. */
export function rngFill(out: Float32Array, args: RngFillArgs): Float32Array {
  const op = 'rngFill';
  const buf = floats(op, 'out', out, 0);
  const dist = enumValue(op, 'distribution', DISTRIBUTIONS, args.distribution);
  let a: number, b: number;
  if (args.distribution === 'uniform') {
    a = args.minval === undefined ? 0 : finite(op, 'minval', args.minval);
    b = args.maxval === undefined ? 1 : finite(op, 'maxval', args.maxval, a);
  } else {
    a = args.mean === undefined ? 0 : finite(op, 'mean', args.mean);
    b = args.stddev === undefined ? 1 : finite(op, 'stddev', args.stddev, 0);
  }
  const seed = seedValue(op, 'seed', args.seed);
  const offset = args.offset === undefined ? 0 : seedValue(op, 'offset', args.offset);
  const backend = resolveBackend(args.backend, op);
  try { loadAddon().rngFill(backend, buf, dist, a, b, seed, offset); } catch (e) { rethrowNative(e); }
  return buf;
}
