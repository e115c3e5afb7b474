/** Bundled datasets, as `keras.datasets`. */
export { fashionMnist } from './fashionMnist.js';
export type { FashionMnist, FashionMnistOptions, FashionMnistSplit } from './fashionMnist.js';
