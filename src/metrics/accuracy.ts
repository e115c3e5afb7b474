/**
 * Keras's accuracy metrics. Each reads the model's outputs as they are (probabilities, or logits
 * with a `fromLogits` loss): argmax is unaffected by softmax, and BinaryAccuracy compares the raw
 * output with `threshold`, as Keras does.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { type MetricArgs, MeanMetric, argmax, metricName, targetAt, targetClass } from './kerasMetricBase.js';
import type { MetricBatch } from './metric.js';

/** Keras `CategoricalAccuracy`: argmax(yPred) equals the target class (argmax of one-hot yTrue). */
export class CategoricalAccuracy extends MeanMetric {
  readonly direction = 'max' as const;
  constructor(args: MetricArgs = {}) {
    super(metricName(args.name, 'categorical_accuracy', 'CategoricalAccuracy'));
  }
  protected sampleValue(b: MetricBatch, sparse: boolean, i: number): number {
    return argmax(b.yPred, i * b.classes, b.classes) === targetClass(b, sparse, i) ? 1 : 0;
  }
}

/** Keras `SparseCategoricalAccuracy`: argmax(yPred) equals the class index in yTrue. */
export class SparseCategoricalAccuracy extends MeanMetric {
  readonly direction = 'max' as const;
  constructor(args: MetricArgs = {}) {
    super(metricName(args.name, 'sparse_categorical_accuracy', 'SparseCategoricalAccuracy'));
  }
  protected sampleValue(b: MetricBatch, sparse: boolean, i: number): number {
    return argmax(b.yPred, i * b.classes, b.classes) === targetClass(b, sparse, i) ? 1 : 0;
  }
}

export interface BinaryAccuracyArgs extends MetricArgs {
  /** An output counts as 1 when strictly greater. Defaults to `0.5`. */
  threshold?: number;
}

/** Keras `BinaryAccuracy`: the fraction of outputs where `(yPred > threshold)` equals yTrue. */
export class BinaryAccuracy extends MeanMetric {
  readonly direction = 'max' as const;
  readonly threshold: number;
  constructor(args: BinaryAccuracyArgs = {}) {
    super(metricName(args.name, 'binary_accuracy', 'BinaryAccuracy'));
    const t = args.threshold ?? 0.5;
    if (!(typeof t === 'number' && Number.isFinite(t)))
      throw new ValueError(expectedMessage('BinaryAccuracy: option "threshold"', 'a finite number', t));
    this.threshold = t;
  }
  protected sampleValue(b: MetricBatch, sparse: boolean, i: number): number {
    const C = b.classes;
    let hits = 0;
    for (let c = 0; c < C; c++) if ((b.yPred[i * C + c] > this.threshold ? 1 : 0) === targetAt(b, sparse, i, c)) hits++;
    return hits / C;
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, threshold: this.threshold };
  }
}

/** Keras `Accuracy`: the fraction of outputs exactly equal to yTrue (for integer predictions). */
export class Accuracy extends MeanMetric {
  readonly direction = 'max' as const;
  constructor(args: MetricArgs = {}) {
    super(metricName(args.name, 'accuracy', 'Accuracy'));
  }
  protected sampleValue(b: MetricBatch, sparse: boolean, i: number): number {
    const C = b.classes;
    let hits = 0;
    for (let c = 0; c < C; c++) if (b.yPred[i * C + c] === targetAt(b, sparse, i, c)) hits++;
    return hits / C;
  }
}
