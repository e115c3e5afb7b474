/**
 * Shared by the Keras streaming metrics (internal): batch validation, reading targets in either
 * layout, argmax, and Keras's `Mean` reduction.
 *
 * Targets come one-hot/elementwise (batch·classes values) or as class indices (batch values,
 * classes > 1); `targetAt` reads both as the dense (batch, classes) matrix, so every metric accepts
 * either layout (Keras would mis-broadcast the index layout for dense metrics such as Precision).
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { Metric, type MetricBatch } from './metric.js';

/** Validates the buffers of a batch; returns whether the targets are class indices. */
export function checkBatch(m: Metric, b: MetricBatch): boolean {
  const { batch: B, classes: C } = b;
  const where = `${m.constructor.name}.update`;
  if (!(Number.isSafeInteger(B) && B >= 0 && Number.isSafeInteger(C) && C >= 1))
    throw new ValueError(expectedMessage(`${where}: batch and classes`, 'integers with batch >= 0 and classes >= 1', `batch ${B}, classes ${C}`));
  if (!(b.yPred instanceof Float32Array) || b.yPred.length !== B * C)
    throw new ShapeError(expectedMessage(`${where}: argument "yPred"`, `a Float32Array of ${B * C} elements (batch × classes)`, b.yPred));
  const n = b.yTrue instanceof Float32Array ? b.yTrue.length : -1;
  if (n !== B * C && !(n === B && C > 1))
    throw new ShapeError(expectedMessage(`${where}: argument "yTrue"`, `a Float32Array of ${B * C} (batch × classes) or ${B} (class indices) elements`, b.yTrue));
  if (b.sampleWeight !== undefined && (!(b.sampleWeight instanceof Float32Array) || b.sampleWeight.length !== B))
    throw new ShapeError(expectedMessage(`${where}: argument "sampleWeight"`, `a Float32Array of ${B} elements`, b.sampleWeight));
  return n !== B * C;
}

/** The dense target of sample i, column c. */
export function targetAt(b: MetricBatch, sparse: boolean, i: number, c: number): number {
  return sparse ? (b.yTrue[i] === c ? 1 : 0) : b.yTrue[i * b.classes + c];
}

/** The class of sample i's target: its index, or the argmax of its one-hot row. */
export function targetClass(b: MetricBatch, sparse: boolean, i: number): number {
  return sparse ? b.yTrue[i] : argmax(b.yTrue, i * b.classes, b.classes);
}

/** Index of the first maximum of `x[off .. off+n)` (TensorFlow's argmax takes the first of ties). */
export function argmax(x: Float32Array, off: number, n: number): number {
  let best = 0, bestV = x[off];
  for (let c = 1; c < n; c++) {
    const v = x[off + c];
    if (v > bestV || (bestV !== bestV && v === v)) { best = c; bestV = v; }
  }
  return best;
}

/** Validates a metric's `name` option. */
export function metricName(v: unknown, fallback: string, className: string): string {
  if (v === undefined) return fallback;
  if (typeof v === 'string' && v.length > 0) return v;
  throw new ValueError(expectedMessage(`${className}: option "name"`, 'a non-empty string', v));
}

export interface MetricArgs {
  /** Log key. Defaults to Keras's name of the metric (e.g. `'categorical_accuracy'`). */
  name?: string;
}

/**
 * Keras's `MeanMetricWrapper`: each sample's value (the mean over its columns for elementwise
 * metrics), averaged over samples weighted by `sampleWeight`: Σ w·v / Σ w.
 */
export abstract class MeanMetric extends Metric {
  private total = 0;
  private count = 0;

  /** The value of sample i. */
  protected abstract sampleValue(b: MetricBatch, sparse: boolean, i: number): number;

  reset(): void {
    this.total = 0;
    this.count = 0;
  }

  update(b: MetricBatch): void {
    const sparse = checkBatch(this, b);
    const w = b.sampleWeight;
    for (let i = 0; i < b.batch; i++) {
      const wi = w ? w[i] : 1;
      this.total += wi * this.sampleValue(b, sparse, i);
      this.count += wi;
    }
  }

  /** Σ w·v / Σ w, or 0 before any weight (Keras's divide_no_nan). */
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
}
