/**
 * sklearn's `roc_auc_score` for binary targets and multiclass one-vs-rest, following
 * sklearn/metrics/_ranking.py: zero-weight samples dropped, a stable descending sort, one ROC point
 * per distinct score, collinear points dropped, trapezoids summed pairwise like numpy.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import {
  type Label,
  type LabelInput,
  type WeightInput,
  checkSortedLabels,
  mismatch,
  toLabels,
  toScores,
  toWeights,
  uniqueLabels,
  type ScoreMatrix,
} from './labels.js';
import { mean, pairwiseSum, weightedAverage } from './reduce.js';
import { WarningSink } from './warn.js';

/** Options of {@link rocAucScore}. */
export interface RocAucOptions {
  /**
   * How per-class AUCs of a multiclass target are combined: `'macro'` (unweighted mean),
   * `'weighted'` (by class prevalence), `'micro'` (one curve over all binarized cells) or `null`
   * (one AUC per class). Ignored for binary targets. Defaults to `'macro'`.
   */
  average?: 'macro' | 'weighted' | 'micro' | null;
  /** One weight per sample. Defaults to none. */
  sampleWeight?: WeightInput;
  /**
   * Multiclass strategy. `'raise'` throws for a multiclass target (as sklearn's default does);
   * `'ovr'` scores each class against the rest. Defaults to `'raise'`.
   */
  multiClass?: 'raise' | 'ovr';
  /**
   * The labels of the score columns, sorted, for a multiclass target whose `yTrue` lacks some
   * classes. Defaults to the sorted labels of `yTrue`.
   */
  labels?: readonly Label[];
}

/**
 * Area under the ROC curve — sklearn's `roc_auc_score`. Binary: `yScore` is one score per sample
 * (`[n]` or `[n, 1]`, e.g. a sigmoid output) for the greater label. Multiclass: `yScore` is `[n, k]`
 * probabilities (rows summing to 1, e.g. a softmax output) and `multiClass: 'ovr'` is required.
 * Returns NaN with a warning when a class has no positive or no negative sample.
 */
export function rocAucScore(yTrue: LabelInput, yScore: LabelInput, options: RocAucOptions & { average: null }): number | number[];
export function rocAucScore(yTrue: LabelInput, yScore: LabelInput, options?: RocAucOptions): number;
export function rocAucScore(yTrue: LabelInput, yScore: LabelInput, options: RocAucOptions = {}): number | number[] {
  const where = 'rocAucScore';
  const t = toLabels(yTrue, `${where}: yTrue`);
  const s = toScores(yScore, `${where}: yScore`);
  if (s.n !== t.values.length) {
    throw new ShapeError(mismatch(`${where}: yScore`, `${t.values.length} rows (the length of yTrue)`, `${s.n}`));
  }
  const weights = toWeights(options.sampleWeight, s.n, where);
  const sink = new WarningSink();
  const classes = uniqueLabels(t.values);
  if (classes.length > 2 || (s.rank === 2 && s.k > 2)) return multiclass(t.values, s, classes, weights, options, where, sink);
  if (s.rank === 2 && s.k !== 1) {
    throw new ShapeError(
      mismatch(`${where}: yScore`, 'one score per sample ([n] or [n, 1]) for a binary target', `shape [${s.n}, ${s.k}]`, 'Pass the column of the positive (greater) label.'),
    );
  }
  // label_binarize: the greater of the two labels is the positive class.
  const y01 = Float64Array.from(t.values, (v) => (classes.length === 2 && v === classes[1] ? 1 : 0));
  return binaryAuc(y01, s.data, weights, sink);
}

function multiclass(
  yTrue: readonly Label[],
  s: ScoreMatrix,
  present: Label[],
  weights: Float64Array | null,
  options: RocAucOptions,
  where: string,
  sink: WarningSink,
): number | number[] {
  if (s.rank !== 2) {
    throw new ShapeError(mismatch(`${where}: yScore`, 'scores of shape [n, nClasses] since yTrue has more than two classes', `shape [${s.n}]`));
  }
  if ((options.multiClass ?? 'raise') !== 'ovr') {
    throw new ValueError(expectedMessage(`${where}: multiClass`, "'ovr' for a multiclass target", options.multiClass ?? 'raise'));
  }
  const average = options.average === undefined ? 'macro' : options.average;
  if (![null, 'macro', 'weighted', 'micro'].includes(average)) {
    throw new ValueError(expectedMessage(`${where}: average`, "'macro', 'weighted', 'micro' or null", average));
  }
  for (let i = 0; i < s.n; i++) {
    const rowSum = pairwiseSum(s.data, i * s.k, s.k);
    // numpy.allclose(1, rowSum): |1 − sum| ≤ 1e-8 + 1e-5·|sum|.
    if (!(Math.abs(1 - rowSum) <= 1e-8 + 1e-5 * Math.abs(rowSum))) {
      throw new ValueError(
        mismatch(`${where}: yScore`, 'probabilities summing to 1 over classes for multiclass ROC AUC', `a row ${i} summing to ${rowSum}`, 'Apply softmax first.'),
      );
    }
  }
  const classes = options.labels === undefined ? present : checkSortedLabels(options.labels, yTrue, where);
  if (classes.length !== s.k) {
    throw new ShapeError(
      mismatch(`${where}: yScore`, `${classes.length} columns (one per class: ${JSON.stringify(classes)})`, `${s.k}`, options.labels ? '' : 'Pass labels when yTrue lacks some classes.'),
    );
  }
  const n = s.n;
  const k = s.k;
  const col = (c: number) => Float64Array.from({ length: n }, (_, i) => s.data[i * k + c]);
  const yBin = (c: number) => Float64Array.from(yTrue, (v) => (v === classes[c] ? 1 : 0));
  if (average === 'micro') {
    // Ravel row-major; every sample weight repeats once per column.
    const yAll = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) yAll[i * k + c] = yTrue[i] === classes[c] ? 1 : 0;
    const wAll = weights ? Float64Array.from({ length: n * k }, (_, j) => weights[Math.floor(j / k)]) : null;
    return binaryAuc(yAll, s.data, wAll, sink);
  }
  let averageWeight: Float64Array | null = null;
  if (average === 'weighted') {
    averageWeight = new Float64Array(k);
    // numpy's sum over axis 0 accumulates row by row.
    for (let i = 0; i < n; i++) {
      const c = classes.indexOf(yTrue[i]);
      averageWeight[c] += weights ? weights[i] : 1;
    }
    if (Math.abs(pairwiseSum(averageWeight)) <= 1e-8) return 0;
  }
  const scores = Array.from({ length: k }, (_, c) => binaryAuc(yBin(c), col(c), weights, sink));
  if (average === null) return scores;
  if (averageWeight) {
    for (let c = 0; c < k; c++) if (averageWeight[c] === 0) scores[c] = 0;
    return weightedAverage(scores, averageWeight) ?? NaN;
  }
  return mean(scores);
}

/** sklearn's `_binary_roc_auc_score` on 0/1 targets. */
function binaryAuc(y: Float64Array, score: Float64Array, weights: Float64Array | null, sink: WarningSink): number {
  if (uniqueLabels(Array.from(y)).length !== 2) {
    sink.warn('Only one class is present in yTrue. ROC AUC score is not defined in that case.');
    return NaN;
  }
  const { fpr, tpr } = rocCurve(y, score, weights, sink);
  return trapezoid(tpr, fpr);
}

/** sklearn's `roc_curve` with `drop_intermediate=True`, returning rates only. */
function rocCurve(y: Float64Array, score: Float64Array, weights: Float64Array | null, sink: WarningSink) {
  let idx = Array.from({ length: y.length }, (_, i) => i);
  if (weights) idx = idx.filter((i) => weights[i] !== 0);
  // Stable descending sort: ties keep their input order (array-api-compat's argsort).
  idx.sort((a, b) => score[b] - score[a] || a - b);
  const m = idx.length;
  const ys = idx.map((i) => y[i]);
  const ws = weights ? idx.map((i) => weights[i]) : null;
  const thresholdIdx: number[] = [];
  for (let i = 0; i < m - 1; i++) if (score[idx[i + 1]] - score[idx[i]] !== 0) thresholdIdx.push(i);
  thresholdIdx.push(m - 1);
  const cumTp: number[] = [];
  const cumFp: number[] = [];
  let tpAcc = 0;
  let fpAcc = 0;
  for (let i = 0; i < m; i++) {
    const w = ws ? ws[i] : 1;
    tpAcc += ys[i] * w;
    fpAcc += (1 - ys[i]) * w;
    cumTp.push(tpAcc);
    cumFp.push(fpAcc);
  }
  let tps = thresholdIdx.map((i) => cumTp[i]);
  let fps = ws ? thresholdIdx.map((i) => cumFp[i]) : thresholdIdx.map((i, j) => 1 + i - tps[j]);
  if (fps.length > 2) {
    // Keep the end points and every corner (non-zero second difference of fps or tps).
    const d2 = (a: number[], j: number) => a[j + 2] - a[j + 1] - (a[j + 1] - a[j]);
    const keep = fps.map((_, j) => j === 0 || j === fps.length - 1 || d2(fps, j - 1) !== 0 || d2(tps, j - 1) !== 0);
    tps = tps.filter((_, j) => keep[j]);
    fps = fps.filter((_, j) => keep[j]);
  }
  tps.unshift(0);
  fps.unshift(0);
  const lastFp = fps[fps.length - 1];
  const lastTp = tps[tps.length - 1];
  if (lastFp <= 0) sink.warn('No negative samples in yTrue, false positive value should be meaningless');
  if (lastTp <= 0) sink.warn('No positive samples in yTrue, true positive value should be meaningless');
  return {
    fpr: fps.map((v) => (lastFp <= 0 ? NaN : v / lastFp)),
    tpr: tps.map((v) => (lastTp <= 0 ? NaN : v / lastTp)),
  };
}

/** numpy's `trapezoid(y, x)` with sklearn's `auc` direction check. */
function trapezoid(y: number[], x: number[]): number {
  const dx = x.slice(1).map((v, i) => v - x[i]);
  let direction = 1;
  if (dx.some((d) => d < 0)) {
    if (dx.every((d) => d <= 0)) direction = -1;
    else throw new ValueError(mismatch('rocAucScore', 'a monotonic ROC curve', 'a curve that goes both ways'));
  }
  const parts = dx.map((d, i) => (d * (y[i + 1] + y[i])) / 2.0);
  return direction * pairwiseSum(parts);
}
