/** Data helpers: label encoding, class weights, the IDX reader and bundled datasets. */
export { toCategorical } from './toCategorical.js';
export { computeClassWeight } from './computeClassWeight.js';
export type { ComputeClassWeightArgs } from './computeClassWeight.js';
export { parseIdx, readIdx } from './idx.js';
export type { IdxOptions, ParseIdxOptions } from './idx.js';
export * as datasets from './datasets/index.js';
