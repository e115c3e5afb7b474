/**
 * kerno: Keras-style neural network training for Node.js on native kernels.
 */
export * as metrics from './metrics/index.js';
export * as plot from './plot/index.js';
export { KernoError, ValueError, ShapeError, NativeError } from './errors.js';
