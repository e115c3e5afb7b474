/**
 * Public view of the native runtime: which kernels run, on how many threads.
 */
import { ValueError, expectedMessage } from './errors.js';
import { loadAddon } from './native.js';

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
  };
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
