/**
 * Keras's regression metrics `MeanSquaredError` and `MeanAbsoluteError`: the mean over each
 * sample's outputs, averaged over samples (weighted by sampleWeight). Lower is better.
 */
import { type MetricArgs, MeanMetric, metricName, targetAt } from './kerasMetricBase.js';
import type { MetricBatch } from './metric.js';

/** Keras `metrics.MeanSquaredError`: mean of (yPred − yTrue)². */
export class MeanSquaredError extends MeanMetric {
  readonly direction = 'min' as const;
  constructor(args: MetricArgs = {}) {
    super(metricName(args.name, 'mean_squared_error', 'MeanSquaredError'));
  }
  protected sampleValue(b: MetricBatch, sparse: boolean, i: number): number {
    const C = b.classes;
    let s = 0;
    for (let c = 0; c < C; c++) {
      const d = b.yPred[i * C + c] - targetAt(b, sparse, i, c);
      s += d * d;
    }
    return s / C;
  }
}

/** Keras `metrics.MeanAbsoluteError`: mean of |yPred − yTrue|. */
export class MeanAbsoluteError extends MeanMetric {
  readonly direction = 'min' as const;
  constructor(args: MetricArgs = {}) {
    super(metricName(args.name, 'mean_absolute_error', 'MeanAbsoluteError'));
  }
  protected sampleValue(b: MetricBatch, sparse: boolean, i: number): number {
    const C = b.classes;
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.abs(b.yPred[i * C + c] - targetAt(b, sparse, i, c));
    return s / C;
  }
}
