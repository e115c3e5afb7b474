/**
 * Keras's top-k accuracies, with TensorFlow `in_top_k`'s tie rule: the target is a hit when fewer
 * than k classes score strictly higher than it (classes tied at the boundary all count), and never
 * when its score is not finite.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { type MetricArgs, MeanMetric, metricName, targetClass } from './kerasMetricBase.js';
import type { MetricBatch } from './metric.js';

export interface TopKArgs extends MetricArgs {
  /** How many of the highest scores count as a hit. Defaults to `5`. */
  k?: number;
}

function checkK(className: string, k: unknown): number {
  if (typeof k === 'number' && Number.isSafeInteger(k) && k >= 1) return k;
  throw new ValueError(expectedMessage(`${className}: option "k"`, 'an integer >= 1', k));
}

function inTopK(b: MetricBatch, sparse: boolean, i: number, k: number): number {
  const C = b.classes, off = i * C, t = targetClass(b, sparse, i);
  if (!(t >= 0 && t < C)) return 0;
  const score = b.yPred[off + t];
  if (!Number.isFinite(score)) return 0;
  let higher = 0;
  for (let c = 0; c < C; c++) if (b.yPred[off + c] > score) higher++;
  return higher < k ? 1 : 0;
}

/** Keras `TopKCategoricalAccuracy` (one-hot targets). */
export class TopKCategoricalAccuracy extends MeanMetric {
  readonly direction = 'max' as const;
  readonly k: number;
  constructor(args: TopKArgs = {}) {
    super(metricName(args.name, 'top_k_categorical_accuracy', 'TopKCategoricalAccuracy'));
    this.k = checkK('TopKCategoricalAccuracy', args.k ?? 5);
  }
  protected sampleValue(b: MetricBatch, sparse: boolean, i: number): number {
    return inTopK(b, sparse, i, this.k);
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, k: this.k };
  }
}

/** Keras `SparseTopKCategoricalAccuracy` (class-index targets). */
export class SparseTopKCategoricalAccuracy extends MeanMetric {
  readonly direction = 'max' as const;
  readonly k: number;
  constructor(args: TopKArgs = {}) {
    super(metricName(args.name, 'sparse_top_k_categorical_accuracy', 'SparseTopKCategoricalAccuracy'));
    this.k = checkK('SparseTopKCategoricalAccuracy', args.k ?? 5);
  }
  protected sampleValue(b: MetricBatch, sparse: boolean, i: number): number {
    return inTopK(b, sparse, i, this.k);
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, k: this.k };
  }
}
