/**
 * Keras's confusion-matrix metrics: Precision, Recall, F1Score and AUC. Like Keras they look at
 * every output element (a (batch, classes) output is flattened: one-hot targets count each class
 * column as a binary decision), treat any non-zero target as positive, weight each sample's
 * elements by its sampleWeight, and read the model's outputs as they are.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { type MetricArgs, checkBatch, metricName, targetAt } from './kerasMetricBase.js';
import { Metric, type MetricBatch } from './metric.js';

/** Keras backend.epsilon(), which F1Score adds to its denominators. */
const EPSILON = 1e-7;

function checkNumber(className: string, name: string, v: unknown, lo: number, hi: number, loOpen = false): number {
  if (typeof v === 'number' && (loOpen ? v > lo : v >= lo) && v <= hi) return v;
  throw new ValueError(expectedMessage(`${className}: option "${name}"`, `a number in ${loOpen ? '(' : '['}${lo}, ${hi}]`, v));
}

function checkClassId(className: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new ValueError(expectedMessage(`${className}: option "classId"`, 'a non-negative integer', v));
}

export interface PrecisionRecallArgs extends MetricArgs {
  /** An output is predicted positive when strictly greater. Defaults to `0.5`. */
  thresholds?: number;
  /** Only score this output column (a class of a one-hot output). Defaults to every column. */
  classId?: number;
}

/** Counts (weighted) true positives, false positives and false negatives at one threshold. */
abstract class ThresholdCounts extends Metric {
  readonly direction = 'max' as const;
  readonly thresholds: number;
  readonly classId: number | undefined;
  protected tp = 0;
  protected fp = 0;
  protected fn = 0;

  constructor(className: string, defaultName: string, args: PrecisionRecallArgs) {
    super(metricName(args.name, defaultName, className));
    this.thresholds = checkNumber(className, 'thresholds', args.thresholds ?? 0.5, 0, 1);
    this.classId = checkClassId(className, args.classId);
  }

  reset(): void {
    this.tp = this.fp = this.fn = 0;
  }

  update(b: MetricBatch): void {
    const sparse = checkBatch(this, b);
    const C = b.classes, t = this.thresholds;
    const c0 = this.classId ?? 0, c1 = this.classId === undefined ? C : this.classId + 1;
    if (c1 > C) throw new ValueError(expectedMessage(`${this.constructor.name}: option "classId"`, `a class below ${C}`, this.classId));
    for (let i = 0; i < b.batch; i++) {
      const w = b.sampleWeight ? b.sampleWeight[i] : 1;
      for (let c = c0; c < c1; c++) {
        const pos = targetAt(b, sparse, i, c) !== 0, pred = b.yPred[i * C + c] > t;
        if (pred) { if (pos) this.tp += w; else this.fp += w; } else if (pos) this.fn += w;
      }
    }
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, thresholds: this.thresholds, classId: this.classId ?? null };
  }
}

/** Keras `Precision`: TP / (TP + FP), 0 when nothing was predicted positive. */
export class Precision extends ThresholdCounts {
  constructor(args: PrecisionRecallArgs = {}) {
    super('Precision', 'precision', args);
  }
  result(): number {
    const d = this.tp + this.fp;
    return d === 0 ? 0 : this.tp / d;
  }
}

/** Keras `Recall`: TP / (TP + FN), 0 when there were no positives. */
export class Recall extends ThresholdCounts {
  constructor(args: PrecisionRecallArgs = {}) {
    super('Recall', 'recall', args);
  }
  result(): number {
    const d = this.tp + this.fn;
    return d === 0 ? 0 : this.tp / d;
  }
}

export interface F1ScoreArgs extends MetricArgs {
  /**
   * How per-class scores combine: `'macro'` (their mean), `'micro'` (one score from the pooled
   * counts) or `'weighted'` (their mean weighted by each class's target mass). Defaults to
   * `'macro'`. Keras defaults to None (one score per class), which a log of numbers cannot hold:
   * the per-class scores are available from `resultPerClass()`.
   */
  average?: 'macro' | 'micro' | 'weighted';
  /**
   * An output is predicted positive when strictly greater. Defaults to none: Keras's rule that
   * the largest output of each sample (if not ~0) is the positive one — pass 0.5 for a
   * single-sigmoid output, where that rule predicts every sample positive.
   */
  threshold?: number;
}

/** Keras `F1Score` (FBetaScore with β = 1), with Keras's epsilon in each denominator. */
export class F1Score extends Metric {
  readonly direction = 'max' as const;
  readonly average: 'macro' | 'micro' | 'weighted';
  readonly threshold: number | undefined;
  // Per class: true positives, false positives, false negatives, target mass (Keras's
  // intermediate_weights); sized at the first update.
  private counts: Float64Array[] = [];

  constructor(args: F1ScoreArgs = {}) {
    super(metricName(args.name, 'f1_score', 'F1Score'));
    const avg = args.average ?? 'macro';
    if (!['macro', 'micro', 'weighted'].includes(avg))
      throw new ValueError(expectedMessage('F1Score: option "average"', "'macro', 'micro' or 'weighted'", avg));
    this.average = avg;
    this.threshold = args.threshold === undefined ? undefined : checkNumber('F1Score', 'threshold', args.threshold, 0, 1, true);
  }

  reset(): void {
    this.counts = [];
  }

  update(b: MetricBatch): void {
    const sparse = checkBatch(this, b);
    const C = b.classes;
    if (this.counts.length === 0) this.counts = [0, 1, 2, 3].map(() => new Float64Array(C));
    if (this.counts[0].length !== C)
      throw new ValueError(expectedMessage('F1Score.update: classes', `${this.counts[0].length} (as the first batch)`, C));
    const [tp, fp, fn, mass] = this.counts;
    for (let i = 0; i < b.batch; i++) {
      const w = b.sampleWeight ? b.sampleWeight[i] : 1, off = i * C;
      let cut = this.threshold;
      if (cut === undefined) { cut = -Infinity; for (let c = 0; c < C; c++) cut = Math.max(cut, b.yPred[off + c]); }
      for (let c = 0; c < C; c++) {
        const p = b.yPred[off + c];
        const pred = this.threshold === undefined ? p >= cut && Math.abs(p) > 1e-9 : p > cut;
        // Keras multiplies by the target's value (soft labels count fractionally).
        const y = targetAt(b, sparse, i, c);
        if (pred) { tp[c] += w * y; fp[c] += w * (1 - y); } else fn[c] += w * y;
        mass[c] += w * y;
      }
    }
  }

  /** The F1 score of each class (Keras's result with average None); empty before any update. */
  resultPerClass(): Float64Array {
    if (this.counts.length === 0) return new Float64Array(0);
    const [tp, fp, fn] = this.counts;
    return tp.map((_, c) => f1(tp[c], fp[c], fn[c]));
  }

  result(): number {
    if (this.counts.length === 0) return 0;
    const [tp, fp, fn, mass] = this.counts;
    if (this.average === 'micro') return f1(sum(tp), sum(fp), sum(fn));
    const per = this.resultPerClass();
    if (this.average === 'macro') return sum(per) / per.length;
    const total = sum(mass) + EPSILON;
    return per.reduce((s, f, c) => s + f * (mass[c] / total), 0);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, average: this.average, threshold: this.threshold ?? null };
  }
}

function sum(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s;
}

/** Keras's FBetaScore.result with β = 1. */
function f1(tp: number, fp: number, fn: number): number {
  const precision = tp / (tp + fp + EPSILON), recall = tp / (tp + fn + EPSILON);
  return (2 * precision * recall) / (precision + recall + EPSILON);
}

export interface AUCArgs extends MetricArgs {
  /** Thresholds (evenly spaced over [0, 1], the end ones widened by 1e-7), > 1. Defaults to `200`. */
  numThresholds?: number;
  /** `'ROC'` or `'PR'` (precision-recall). Defaults to `'ROC'`. */
  curve?: 'ROC' | 'PR';
  /** Riemann sum: `'interpolation'`, `'minoring'` or `'majoring'`. Defaults to `'interpolation'`. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Apply a sigmoid to the outputs first. Defaults to `false`. */
  fromLogits?: boolean;
}

/**
 * Keras `AUC`: the area under the ROC (or PR) curve from confusion counts at `numThresholds`
 * thresholds, with Keras's bucketing of outputs clipped to [0, 1] (an output p lands above
 * threshold j/(T−1) when ceil(p·(T−1)) > j, p·(T−1) in float32 as Keras computes it).
 */
export class AUC extends Metric {
  readonly direction = 'max' as const;
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'minoring' | 'majoring';
  readonly fromLogits: boolean;
  // Weighted positive / negative target mass per bucket; the counts at threshold j sum buckets >= j.
  private readonly posBuckets: Float64Array;
  private readonly negBuckets: Float64Array;

  constructor(args: AUCArgs = {}) {
    super(metricName(args.name, 'auc', 'AUC'));
    const T = args.numThresholds ?? 200;
    if (!(typeof T === 'number' && Number.isSafeInteger(T) && T > 1))
      throw new ValueError(expectedMessage('AUC: option "numThresholds"', 'an integer > 1', T));
    this.numThresholds = T;
    const curve = args.curve ?? 'ROC', sm = args.summationMethod ?? 'interpolation';
    if (curve !== 'ROC' && curve !== 'PR') throw new ValueError(expectedMessage('AUC: option "curve"', "'ROC' or 'PR'", curve));
    if (!['interpolation', 'minoring', 'majoring'].includes(sm))
      throw new ValueError(expectedMessage('AUC: option "summationMethod"', "'interpolation', 'minoring' or 'majoring'", sm));
    this.curve = curve;
    this.summationMethod = sm;
    if (typeof (args.fromLogits ?? false) !== 'boolean')
      throw new ValueError(expectedMessage('AUC: option "fromLogits"', 'a boolean', args.fromLogits));
    this.fromLogits = args.fromLogits ?? false;
    this.posBuckets = new Float64Array(T);
    this.negBuckets = new Float64Array(T);
  }

  reset(): void {
    this.posBuckets.fill(0);
    this.negBuckets.fill(0);
  }

  update(b: MetricBatch): void {
    const sparse = checkBatch(this, b);
    const C = b.classes, scale = this.numThresholds - 1;
    for (let i = 0; i < b.batch; i++) {
      const w = b.sampleWeight ? b.sampleWeight[i] : 1;
      for (let c = 0; c < C; c++) {
        let p = b.yPred[i * C + c];
        if (this.fromLogits) p = Math.fround(1 / (1 + Math.exp(-p)));
        p = Math.min(Math.max(p, 0), 1);
        const bucket = Math.max(Math.ceil(Math.fround(p * scale)) - 1, 0);
        if (targetAt(b, sparse, i, c) !== 0) this.posBuckets[bucket] += w; else this.negBuckets[bucket] += w;
      }
    }
  }

  /** Confusion counts at each threshold: tp, fp, tn, fn (index j = threshold j). */
  private confusion(): { tp: Float64Array; fp: Float64Array; tn: Float64Array; fn: Float64Array } {
    const T = this.numThresholds;
    const tp = new Float64Array(T), fp = new Float64Array(T), tn = new Float64Array(T), fn = new Float64Array(T);
    let accP = 0, accN = 0;
    for (let j = T - 1; j >= 0; j--) {
      accP += this.posBuckets[j];
      accN += this.negBuckets[j];
      tp[j] = accP;
      fp[j] = accN;
    }
    for (let j = 0; j < T; j++) {
      fn[j] = accP - tp[j];
      tn[j] = accN - fp[j];
    }
    return { tp, fp, tn, fn };
  }

  result(): number {
    const { tp, fp, tn, fn } = this.confusion();
    const T = this.numThresholds;
    const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
    if (this.curve === 'PR' && this.summationMethod === 'interpolation') return this.interpolatePrAuc(tp, fp, fn);
    const x = new Float64Array(T), y = new Float64Array(T);
    for (let j = 0; j < T; j++) {
      const recall = div(tp[j], tp[j] + fn[j]);
      if (this.curve === 'ROC') { x[j] = div(fp[j], fp[j] + tn[j]); y[j] = recall; } else { x[j] = recall; y[j] = div(tp[j], tp[j] + fp[j]); }
    }
    let area = 0;
    for (let j = 0; j < T - 1; j++) {
      const h = this.summationMethod === 'interpolation' ? (y[j] + y[j + 1]) / 2
        : this.summationMethod === 'minoring' ? Math.min(y[j], y[j + 1]) : Math.max(y[j], y[j + 1]);
      area += (x[j] - x[j + 1]) * h;
    }
    return area;
  }

  /** Keras's interpolate_pr_auc (Davis & Goadrich 2006). */
  private interpolatePrAuc(tp: Float64Array, fp: Float64Array, fn: Float64Array): number {
    const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
    let area = 0;
    for (let j = 0; j < this.numThresholds - 1; j++) {
      const dtp = tp[j] - tp[j + 1];
      const pA = tp[j] + fp[j], pB = tp[j + 1] + fp[j + 1];
      const slope = div(dtp, Math.max(pA - pB, 0));
      const intercept = tp[j + 1] - slope * pB;
      const ratio = pA > 0 && pB > 0 ? div(pA, Math.max(pB, 0)) : 1;
      area += div(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[j + 1] + fn[j + 1], 0));
    }
    return area;
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, numThresholds: this.numThresholds, curve: this.curve,
      summationMethod: this.summationMethod, fromLogits: this.fromLogits };
  }
}
