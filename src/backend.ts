/**
 * Public view of the native runtime: which kernels run, on how many threads, on which device.
 */
import { type DeviceName, globalDeviceName, setGlobalDevice } from './engine/device.js';
import { ValueError, expectedMessage } from './errors.js';
import { loadAddon } from './native.js';

/** A CUDA device, as listed by {@link backendInfo}. */
export interface DeviceInfo {
  /** CUDA device index. */
  index: number;
  /** Product name, e.g. `'NVIDIA H100 80GB HBM3'`. */
  name: string;
  /** Total device memory in bytes. */
  memoryBytes: number;
  /** Compute capability `'major.minor'`, e.g. `'9.0'`. */
  computeCapability: string;
}

/** What kerno runs on, as returned by {@link backendInfo}. */
export interface BackendInfo {
  /**
   * SIMD level of the CPU kernels in use: `'avx512'`, `'avx2'` (with FMA) or `'portable'`.
   * The environment variable `KERNO_SIMD=portable|avx2|avx512` caps it (read once at load).
   */
  simd: 'portable' | 'avx2' | 'avx512';
  /** Worker threads the CPU kernels use; see {@link setNumThreads}. */
  threads: number;
  /** Physical CPU cores detected (the default thread count). */
  physicalCores: number;
  /** Names of the kernel backends available here, e.g. `['reference', 'cpu-portable', 'cpu-avx2']`. */
  backends: string[];
  /** Name of the backend kerno uses by default: the fastest CPU backend. */
  defaultBackend: string;
  /** CUDA: whether support was compiled in, and the number of devices found at run time. */
  cuda: { built: boolean; devices: number };
  /** The CUDA devices found at run time (empty without CUDA support, a driver or a GPU). */
  devices: DeviceInfo[];
}

/**
 * Describes the native backends: SIMD level, thread count, available backends and CUDA devices.
 * Returns a fresh object each call, so changing it has no effect on kerno.
 *
 * @example
 * ```ts
 * import { backendInfo } from 'kerno';
 * console.log(backendInfo().simd); // 'avx512'
 * ```
 */
export function backendInfo(): BackendInfo {
  const raw = loadAddon().backendInfo();
  return {
    simd: raw.simd,
    threads: raw.threads,
    physicalCores: raw.physicalCores,
    backends: [...raw.backends],
    defaultBackend: raw.backends[raw.defaultBackend] ?? 'reference',
    cuda: { built: raw.cuda.built, devices: raw.cuda.devices },
    devices: raw.devices.map((d) => ({ ...d })),
  };
}

/**
 * Sets the device models use when `compile` receives no `device` option: `'cpu'` (the default),
 * `'cuda'` (a CUDA device: parameters, gradients, optimizer state and activations stay on it
 * during training) or `'auto'` (CUDA when a device is found, else the CPU with a one-line notice).
 * Models compiled earlier keep their device.
 *
 * @throws ValueError for another value, or `'cuda'` when no CUDA device is found.
 *
 * @example
 * ```ts
 * import { setBackend } from 'kerno';
 * setBackend('auto'); // the GPU where there is one
 * ```
 */
export function setBackend(device: DeviceName): void {
  setGlobalDevice(device, 'setBackend: argument "device"');
}

/** The device `compile` uses when given none: what {@link setBackend} last set, `'cpu'` by default. */
export function getBackend(): DeviceName {
  return globalDeviceName();
}

/** Largest thread count accepted: far above any real core count, it only catches unit mistakes. */
const MAX_THREADS = 1024;

/**
 * Sets the number of worker threads the CPU kernels use (the calling thread counts as one).
 * The default is the number of physical cores. Applies to every later call, process-wide.
 *
 * @param n - An integer in [1, 1024].
 * @throws ValueError when `n` is not an integer in that range.
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ValueError(expectedMessage('setNumThreads: argument "n"', `an integer in [1, ${MAX_THREADS}]`, n));
  }
  loadAddon().setNumThreads(n);
}

/** Returns the number of worker threads the CPU kernels use. */
export function getNumThreads(): number {
  return loadAddon().getNumThreads();
}
