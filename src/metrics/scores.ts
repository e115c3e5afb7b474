/**
 * sklearn's set-wise classification scores: `precision_recall_fscore_support` and the functions
 * built on it (precision, recall, F1), plus `accuracy_score`. The arithmetic follows
 * sklearn/metrics/_classification.py step by step (bincounts, `tp + fp` re-additions, pairwise
 * sums) so that results are bit-identical to sklearn's, which the golden fixtures check.
 */
import { ValueError, expectedMessage } from '../errors.js';
import {
  type Label,
  type LabelInput,
  type WeightInput,
  checkLabelsOption,
  checkPair,
  compareLabels,
  toLabels,
  toWeights,
} from './labels.js';
import { mean, pairwiseSum, weightedAverage } from './reduce.js';
import { WarningSink } from './warn.js';

/**
 * How per-class scores are combined: `'binary'` reports `posLabel` only (binary targets),
 * `'micro'` pools the counts of all classes, `'macro'` is the unweighted mean over classes,
 * `'weighted'` the mean weighted by support; `null` returns one score per class.
 */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted';

/** The value of a score whose denominator is zero; `'warn'` gives 0 and emits a warning. */
export type ZeroDivision = 'warn' | 0 | 1;

/** Options of precision/recall/F-scores. */
export interface ScoreOptions {
  /**
   * Labels to score, in this order. Labels absent from the data score with zero support; labels
   * of the data left out are ignored (by the averages too). Defaults to the sorted union of
   * `yTrue` and `yPred`. Ignored with `average: 'binary'`.
   */
  labels?: readonly Label[];
  /** The positive class for `average: 'binary'`. Defaults to `1`. */
  posLabel?: Label;
  /** How per-class scores are combined; see {@link Average}. Defaults to `'binary'`. */
  average?: Average | null;
  /** One weight per sample. Defaults to none (every sample weighs 1). */
  sampleWeight?: WeightInput;
  /** Value of an undefined score (zero denominator). Defaults to `'warn'` (0 with a warning). */
  zeroDivision?: ZeroDivision;
}

/** Options of {@link precisionRecallFscoreSupport}. */
export interface PrfsOptions extends Omit<ScoreOptions, 'average'> {
  /** Weight of recall in the F-score (`β > 1` favours recall). Defaults to `1`. */
  beta?: number;
  /** How per-class scores are combined; `null` gives per-class arrays. Defaults to `null`. */
  average?: Average | null;
}

/** Per-class results (average `null`), aligned with `labels`. */
export interface PrfsPerClass {
  labels: Label[];
  precision: number[];
  recall: number[];
  fScore: number[];
  /** Number of true samples of each label (the sum of their weights with `sampleWeight`). */
  support: number[];
}

/** Averaged results; sklearn returns no support for averages. */
export interface PrfsAveraged {
  precision: number;
  recall: number;
  fScore: number;
  support: null;
}

/** Per-class counts after sklearn's `multilabel_confusion_matrix`, for the selected labels. */
export interface ClassCounts {
  labels: Label[];
  tp: Float64Array;
  pred: Float64Array;
  true: Float64Array;
  /**
   * Whether sklearn holds the counts as floats (sample weights given, or no sample predicted
   * correctly at all); the text report then prints supports as floats ('7.0').
   */
  isFloat: boolean;
  /** Labels present in yTrue or yPred, sorted. */
  present: Label[];
  /** 'binary' when at most two labels occur in yTrue and yPred together, else 'multiclass'. */
  type: 'binary' | 'multiclass';
}

const AVERAGES: readonly (Average | null)[] = [null, 'binary', 'micro', 'macro', 'weighted'];

/** Reads and checks yTrue/yPred/sampleWeight. */
export function readPair(yTrue: LabelInput, yPred: LabelInput, sampleWeight: WeightInput | undefined, where: string) {
  const t = toLabels(yTrue, `${where}: yTrue`);
  const p = toLabels(yPred, `${where}: yPred`);
  const present = checkPair(t, p, where);
  const weights = toWeights(sampleWeight, t.values.length, where);
  return { t, p, present, weights, kind: t.kind };
}

/**
 * tp/pred/true sums per label as sklearn's `multilabel_confusion_matrix` computes them: labels are
 * encoded against the sorted union of `labels` and the present labels, counted with bincounts in
 * sample order, then the selected labels are taken.
 */
export function classCounts(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  labels: readonly Label[] | null,
  weights: Float64Array | null,
  present: Label[],
): ClassCounts {
  const selected = labels ?? present;
  const all = [...new Set<Label>([...selected, ...present])].sort(compareLabels);
  const index = new Map<Label, number>(all.map((l, i) => [l, i]));
  const m = all.length;
  const tp = new Float64Array(m);
  const pred = new Float64Array(m);
  const tru = new Float64Array(m);
  let anyCorrect = false;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weights ? weights[i] : 1;
    const ti = index.get(yTrue[i])!;
    const pi = index.get(yPred[i])!;
    pred[pi] += w;
    tru[ti] += w;
    if (ti === pi) {
      tp[ti] += w;
      anyCorrect = true;
    }
  }
  const n = selected.length;
  const out = { tp: new Float64Array(n), pred: new Float64Array(n), true: new Float64Array(n) };
  for (let j = 0; j < n; j++) {
    const k = index.get(selected[j])!;
    out.tp[j] = tp[k];
    // sklearn stores fp = pred − tp and fn = true − tp, then adds tp back; with float weights
    // that round trip can change the last bit, so do the same.
    out.pred[j] = tp[k] + (pred[k] - tp[k]);
    out.true[j] = tp[k] + (tru[k] - tp[k]);
  }
  return {
    labels: [...selected],
    ...out,
    isFloat: weights !== null || !anyCorrect,
    present,
    type: present.length <= 2 ? 'binary' : 'multiclass',
  };
}

function metricWarning(metric: string, modifier: string, size: number): string {
  const where = size === 1 ? 'due to' : 'in labels with';
  return `${metric} is ill-defined and being set to 0.0 ${where} no ${modifier} samples. Use the \`zeroDivision\` option to control this behavior.`;
}

/** sklearn's `_prf_divide`: divides, replacing zero denominators by `zeroDivision` (and warning). */
function prfDivide(
  num: ArrayLike<number>,
  den: ArrayLike<number>,
  metric: 'precision' | 'recall' | 'f-score',
  modifier: string,
  warnFor: readonly string[],
  zeroDivision: ZeroDivision,
  sink: WarningSink,
): number[] {
  const out = new Array<number>(num.length);
  let anyZero = false;
  for (let i = 0; i < num.length; i++) {
    if (den[i] === 0) {
      anyZero = true;
      out[i] = zeroDivision === 'warn' ? 0 : zeroDivision;
    } else out[i] = num[i] / den[i];
  }
  if (anyZero && zeroDivision === 'warn' && warnFor.includes(metric)) {
    const name = metric === 'f-score' ? 'F-score' : metric[0].toUpperCase() + metric.slice(1);
    sink.warn(metricWarning(name, modifier, num.length));
  }
  return out;
}

/** sklearn's `_nanaverage`: the mean, or the weighted mean unless every weight is zero. */
function nanAverage(a: number[], weights: Float64Array | null): number {
  if (a.length === 0) return NaN;
  if (weights) {
    const w = weightedAverage(a, weights);
    if (w !== null) return w;
  }
  return mean(a);
}

export function checkZeroDivision(z: unknown, where: string): ZeroDivision {
  if (z === 'warn' || z === 0 || z === 1) return z;
  throw new ValueError(expectedMessage(`${where}: zeroDivision`, "'warn', 0 or 1", z));
}

/** The labels a set-wise score covers (sklearn's `_check_set_wise_labels`). */
function setWiseLabels(
  counts: { present: Label[]; kind: 'number' | 'string' },
  average: Average | null,
  options: { labels?: readonly Label[]; posLabel?: Label },
  where: string,
  sink: WarningSink,
): Label[] | null {
  if (!AVERAGES.includes(average)) {
    throw new ValueError(expectedMessage(`${where}: average`, "'binary', 'micro', 'macro', 'weighted' or null", average));
  }
  const posLabel = options.posLabel ?? 1;
  if (average === 'binary') {
    if (counts.present.length > 2) {
      throw new ValueError(
        `${where}: average expected a binary target for 'binary', received a multiclass target (labels ${JSON.stringify(counts.present)}). Choose average 'micro', 'macro', 'weighted' or null.`,
      );
    }
    if (!counts.present.includes(posLabel)) {
      if (counts.present.length >= 2 || typeof posLabel !== counts.kind) {
        throw new ValueError(
          expectedMessage(`${where}: posLabel`, `one of the labels ${JSON.stringify(counts.present)}`, posLabel),
        );
      }
    }
    return [posLabel];
  }
  if (options.posLabel !== undefined && options.posLabel !== 1) {
    sink.warn(
      `Note that posLabel (set to ${JSON.stringify(posLabel)}) is ignored when average != 'binary' (got ${JSON.stringify(average)}). You may use labels: [posLabel] to specify a single positive class.`,
      'UserWarning',
    );
  }
  return options.labels ? checkLabelsOption(options.labels, counts.kind, where) : null;
}

interface PrfsCore {
  precision: number[];
  recall: number[];
  fScore: number[];
  counts: ClassCounts;
}

/** Shared body of every precision/recall/F entry point. */
function prfsCore(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: PrfsOptions,
  average: Average | null,
  warnFor: readonly string[],
  where: string,
  sink: WarningSink,
): PrfsCore {
  const zeroDivision = checkZeroDivision(options.zeroDivision ?? 'warn', where);
  const beta = options.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) throw new ValueError(expectedMessage(`${where}: beta`, 'a number ≥ 0', beta));
  const { t, p, present, weights, kind } = readPair(yTrue, yPred, options.sampleWeight, where);
  const labels = setWiseLabels({ present, kind }, average, options, where, sink);
  const counts = classCounts(t.values, p.values, labels, weights, present);
  let { tp, pred, true: tru } = counts;
  if (average === 'micro') {
    tp = Float64Array.of(pairwiseSum(tp));
    pred = Float64Array.of(pairwiseSum(pred));
    tru = Float64Array.of(pairwiseSum(tru));
  }
  const precision = prfDivide(tp, pred, 'precision', 'predicted', warnFor, zeroDivision, sink);
  const recall = prfDivide(tp, tru, 'recall', 'true', warnFor, zeroDivision, sink);
  let fScore: number[];
  if (beta === Infinity) fScore = recall;
  else if (beta === 0) fScore = precision;
  else {
    // sklearn computes F from the counts, (1+β²)·tp / (β²·true + pred), not from P and R.
    const b2 = beta * beta;
    const num = Array.from(tp, (v) => (1 + b2) * v);
    const den = Array.from(tru, (v, i) => b2 * v + pred[i]);
    fScore = prfDivide(num, den, 'f-score', 'true nor predicted', warnFor, zeroDivision, sink);
  }
  return { precision, recall, fScore, counts: { ...counts, tp, pred, true: tru } };
}

function reduceCore(core: PrfsCore, average: Average | null): PrfsPerClass | PrfsAveraged {
  if (average === null) {
    return {
      labels: core.counts.labels,
      precision: core.precision,
      recall: core.recall,
      fScore: core.fScore,
      support: Array.from(core.counts.true),
    };
  }
  const w = average === 'weighted' ? core.counts.true : null;
  return {
    precision: nanAverage(core.precision, w),
    recall: nanAverage(core.recall, w),
    fScore: nanAverage(core.fScore, w),
    support: null,
  };
}

/**
 * Precision, recall, F-beta and support per class or averaged — sklearn's
 * `precision_recall_fscore_support`. With `average: null` (the default, as in sklearn) every
 * field is an array aligned with `labels`.
 */
export function precisionRecallFscoreSupport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options?: PrfsOptions & { average?: null },
): PrfsPerClass;
export function precisionRecallFscoreSupport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: PrfsOptions & { average: Average },
): PrfsAveraged;
export function precisionRecallFscoreSupport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options?: PrfsOptions,
): PrfsPerClass | PrfsAveraged;
export function precisionRecallFscoreSupport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: PrfsOptions = {},
): PrfsPerClass | PrfsAveraged {
  const average = options.average === undefined ? null : options.average;
  const sink = new WarningSink();
  const core = prfsCore(yTrue, yPred, options, average, ['precision', 'recall', 'f-score'], 'precisionRecallFscoreSupport', sink);
  return reduceCore(core, average);
}

/** Internal entry used by the report: per-class or averaged results plus the raw counts. */
export function prfsWithCounts(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: PrfsOptions,
  average: Average | null,
  where: string,
  sink: WarningSink,
): { result: PrfsPerClass | PrfsAveraged; counts: ClassCounts } {
  const core = prfsCore(yTrue, yPred, options, average, ['precision', 'recall', 'f-score'], where, sink);
  return { result: reduceCore(core, average), counts: core.counts };
}

function singleScore(
  field: 'precision' | 'recall' | 'fScore',
  warnFor: string,
  where: string,
  yTrue: LabelInput,
  yPred: LabelInput,
  options: ScoreOptions,
): number | number[] {
  const average = options.average === undefined ? 'binary' : options.average;
  const core = prfsCore(yTrue, yPred, options, average, [warnFor], where, new WarningSink());
  const r = reduceCore(core, average);
  return r[field];
}

/** Precision `tp / (tp + fp)` — sklearn's `precision_score`. Per class (array) with `average: null`. */
export function precisionScore(yTrue: LabelInput, yPred: LabelInput, options: ScoreOptions & { average: null }): number[];
export function precisionScore(yTrue: LabelInput, yPred: LabelInput, options?: ScoreOptions & { average?: Average }): number;
export function precisionScore(yTrue: LabelInput, yPred: LabelInput, options: ScoreOptions = {}): number | number[] {
  return singleScore('precision', 'precision', 'precisionScore', yTrue, yPred, options);
}

/** Recall `tp / (tp + fn)` — sklearn's `recall_score`. Per class (array) with `average: null`. */
export function recallScore(yTrue: LabelInput, yPred: LabelInput, options: ScoreOptions & { average: null }): number[];
export function recallScore(yTrue: LabelInput, yPred: LabelInput, options?: ScoreOptions & { average?: Average }): number;
export function recallScore(yTrue: LabelInput, yPred: LabelInput, options: ScoreOptions = {}): number | number[] {
  return singleScore('recall', 'recall', 'recallScore', yTrue, yPred, options);
}

/** F1 `2·tp / (2·tp + fp + fn)` — sklearn's `f1_score`. Per class (array) with `average: null`. */
export function f1Score(yTrue: LabelInput, yPred: LabelInput, options: ScoreOptions & { average: null }): number[];
export function f1Score(yTrue: LabelInput, yPred: LabelInput, options?: ScoreOptions & { average?: Average }): number;
export function f1Score(yTrue: LabelInput, yPred: LabelInput, options: ScoreOptions = {}): number | number[] {
  return singleScore('fScore', 'f-score', 'f1Score', yTrue, yPred, options);
}

/** Options of {@link accuracyScore}. */
export interface AccuracyOptions {
  /** Return the fraction of correct samples; `false` returns their (weighted) count. Defaults to `true`. */
  normalize?: boolean;
  /** One weight per sample. Defaults to none (every sample weighs 1). */
  sampleWeight?: WeightInput;
}

/** Fraction (or count) of samples whose predicted label equals the true label — sklearn's `accuracy_score`. */
export function accuracyScore(yTrue: LabelInput, yPred: LabelInput, options: AccuracyOptions = {}): number {
  const { t, p, weights } = readPair(yTrue, yPred, options.sampleWeight, 'accuracyScore');
  const hits = Float64Array.from(t.values, (v, i) => (v === p.values[i] ? 1 : 0));
  const normalize = options.normalize ?? true;
  if (!weights) return normalize ? mean(hits) : pairwiseSum(hits);
  if (!normalize) return pairwiseSum(hits.map((h, i) => h * weights[i]));
  const avg = weightedAverage(hits, weights);
  if (avg === null) {
    throw new ValueError(expectedMessage('accuracyScore: sampleWeight', 'weights with a non-zero sum', 0, 'They cannot be normalized.'));
  }
  return avg;
}
