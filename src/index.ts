/**
 * kerno: Keras-style neural network training for Node.js on native kernels.
 */
export { backendInfo, setNumThreads, getNumThreads } from './backend.js';
export type { BackendInfo } from './backend.js';
export * as metrics from './metrics/index.js';
export * as plot from './plot/index.js';
export { KernoError, ValueError, ShapeError, NativeError } from './errors.js';
