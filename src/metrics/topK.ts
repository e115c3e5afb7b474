/**
 * sklearn's `top_k_accuracy_score`: a sample is a hit when its true class is among the `k`
 * highest scores. Ties rank the higher column first, as sklearn's reversed stable argsort does.
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
} from './labels.js';
import { pairwiseSum, weightedAverage } from './reduce.js';
import { WarningSink } from './warn.js';

/** Options of {@link topKAccuracyScore}. */
export interface TopKOptions {
  /** How many of the highest-scored classes count as a hit. Defaults to `2`. */
  k?: number;
  /** Return the fraction of hits; `false` returns their (weighted) count. Defaults to `true`. */
  normalize?: boolean;
  /** One weight per sample. Defaults to none. */
  sampleWeight?: WeightInput;
  /**
   * The labels of the score columns, sorted, when `yTrue` lacks some classes. Defaults to the
   * sorted labels of `yTrue`.
   */
  labels?: readonly Label[];
}

/**
 * Top-k accuracy — sklearn's `top_k_accuracy_score`. `yScore` is `[n, nClasses]` scores; for a
 * binary target it may be one score per sample, and with `k = 1` a sample is predicted positive
 * when its score exceeds 0.5 (or 0 when scores fall outside [0, 1]).
 */
export function topKAccuracyScore(yTrue: LabelInput, yScore: LabelInput, options: TopKOptions = {}): number {
  const where = 'topKAccuracyScore';
  const k = options.k ?? 2;
  if (!Number.isInteger(k) || k < 1) throw new ValueError(expectedMessage(`${where}: k`, 'an integer ≥ 1', k));
  const t = toLabels(yTrue, `${where}: yTrue`);
  const s = toScores(yScore, `${where}: yScore`);
  if (s.n !== t.values.length) {
    throw new ShapeError(mismatch(`${where}: yScore`, `${t.values.length} rows (the length of yTrue)`, `${s.n}`));
  }
  const weights = toWeights(options.sampleWeight, s.n, where);
  const present = uniqueLabels(t.values);
  const binary = present.length <= 2 && !(options.labels && options.labels.length > 2);
  if (binary && s.rank === 2 && s.k !== 1) {
    throw new ShapeError(
      mismatch(`${where}: yScore`, 'one score per sample for a binary yTrue', `${s.k} columns`, 'If yTrue does not contain all the labels, pass labels.'),
    );
  }
  if (!binary && s.rank !== 2) {
    throw new ShapeError(mismatch(`${where}: yScore`, 'scores of shape [n, nClasses] since yTrue has more than two classes', `shape [${s.n}]`));
  }
  const nScoreClasses = s.rank === 2 ? s.k : 2;
  const classes = options.labels === undefined ? present : checkSortedLabels(options.labels, t.values, where);
  if (classes.length !== nScoreClasses) {
    throw new ShapeError(
      mismatch(
        `${where}: yScore`,
        `${classes.length} classes (${JSON.stringify(classes)})`,
        `${nScoreClasses}`,
        options.labels ? undefined : 'Pass all known classes as labels.',
      ),
    );
  }
  if (k >= classes.length) {
    new WarningSink().warn(
      `'k' (${k}) greater than or equal to 'n_classes' (${classes.length}) will result in a perfect score and is therefore meaningless.`,
    );
  }
  const encoded = t.values.map((v) => classes.indexOf(v));
  const hits = new Float64Array(s.n);
  if (binary) {
    if (k === 1) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of s.data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      const threshold = min >= 0 && max <= 1 ? 0.5 : 0;
      for (let i = 0; i < s.n; i++) hits[i] = (s.data[i] > threshold ? 1 : 0) === encoded[i] ? 1 : 0;
    } else hits.fill(1);
  } else {
    for (let i = 0; i < s.n; i++) hits[i] = inTopK(s.data, i * s.k, s.k, encoded[i], k) ? 1 : 0;
  }
  const normalize = options.normalize ?? true;
  if (normalize) {
    if (!weights) return pairwiseSum(hits) / s.n;
    const avg = weightedAverage(hits, weights);
    if (avg === null) throw new ValueError(expectedMessage(`${where}: sampleWeight`, 'weights with a non-zero sum', 0));
    return avg;
  }
  return weights ? pairwiseSum(hits.map((h, i) => h * weights[i])) : pairwiseSum(hits);
}

/**
 * Whether column `target` ranks in the top k of the row. A column outranks the target when its
 * score is greater, or equal with a higher index (reversed stable sort).
 */
function inTopK(data: Float64Array, offset: number, width: number, target: number, k: number): boolean {
  const v = data[offset + target];
  let above = 0;
  for (let j = 0; j < width; j++) {
    const u = data[offset + j];
    if (u > v || (u === v && j > target)) above++;
  }
  return above < k;
}
