/**
 * sklearn's `confusion_matrix`: rows are true labels, columns predicted labels, labels default to
 * the sorted union of both arrays, samples whose true or predicted label is not in `labels` are
 * left out, and `normalize` divides by row, column or grand totals (0/0 becomes 0).
 */
import { ValueError, expectedMessage } from '../errors.js';
import { type Label, type LabelInput, type WeightInput, checkLabelsOption, mismatch } from './labels.js';
import { pairwiseSum } from './reduce.js';
import { readPair } from './scores.js';
import { WarningSink } from './warn.js';

/** What a normalized matrix is divided by: row sums (`'true'`), column sums (`'pred'`) or the total (`'all'`). */
export type Normalize = 'true' | 'pred' | 'all';

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /**
   * Labels indexing the rows and columns, in this order (to reorder or select a subset). At least
   * one must occur in `yTrue`. Defaults to the sorted union of `yTrue` and `yPred`.
   */
  labels?: readonly Label[];
  /** One weight per sample; cells then hold weight sums. Defaults to none (counts). */
  sampleWeight?: WeightInput;
  /** Normalize over true labels (rows), predictions (columns) or all cells. Defaults to none (counts). */
  normalize?: Normalize | null;
}

/** A square confusion matrix: `data[i * n + j]` counts samples of true `labels[i]` predicted as `labels[j]`. */
export class ConfusionMatrix {
  /** Row-major cells, `n × n`. */
  readonly data: Float64Array;
  /** `[n, n]`, like a tensor's shape. */
  readonly shape: readonly [number, number];
  /** The label of each row and column. */
  readonly labels: readonly Label[];
  /** How the cells were normalized, or `null` for counts (weight sums with sample weights). */
  readonly normalize: Normalize | null;

  constructor(data: Float64Array, labels: readonly Label[], normalize: Normalize | null = null) {
    const n = labels.length;
    if (data.length !== n * n) {
      throw new ValueError(mismatch('ConfusionMatrix: data', `${n * n} cells for ${n} labels`, `${data.length}`));
    }
    this.data = data;
    this.shape = [n, n];
    this.labels = labels;
    this.normalize = normalize;
  }

  /** The cell of true label index `i` and predicted label index `j`. */
  get(i: number, j: number): number {
    return this.data[i * this.shape[1] + j];
  }

  /** The matrix as nested arrays, rows = true labels. */
  toArray(): number[][] {
    const n = this.shape[0];
    return Array.from({ length: n }, (_, i) => Array.from(this.data.subarray(i * n, (i + 1) * n)));
  }
}

const NORMALIZE: readonly (Normalize | null)[] = [null, 'true', 'pred', 'all'];

/**
 * Computes the confusion matrix of `yTrue` against `yPred` (sklearn's `confusion_matrix`).
 * Labels may be integer arrays, string arrays, or 2-D scores/one-hot rows that are argmaxed.
 *
 * @example
 * const cm = metrics.confusionMatrix(yTest, model.predict(xTest)); // argmax taken
 * cm.toArray(); // [[50, 2], [3, 45]]
 */
export function confusionMatrix(yTrue: LabelInput, yPred: LabelInput, options: ConfusionMatrixOptions = {}): ConfusionMatrix {
  const where = 'confusionMatrix';
  const normalize = options.normalize ?? null;
  if (!NORMALIZE.includes(normalize)) {
    throw new ValueError(expectedMessage(`${where}: normalize`, "'true', 'pred', 'all' or null", normalize));
  }
  const { t, p, present, weights, kind } = readPair(yTrue, yPred, options.sampleWeight, where);
  let labels = present;
  if (options.labels !== undefined) {
    labels = checkLabelsOption(options.labels, kind, where);
    const inTrue = new Set(t.values);
    if (!labels.some((l) => inTrue.has(l))) {
      throw new ValueError(mismatch(`${where}: labels`, 'at least one label that occurs in yTrue', JSON.stringify(labels)));
    }
  }
  const n = labels.length;
  const index = new Map<Label, number>(labels.map((l, i) => [l, i]));
  const cm = new Float64Array(n * n);
  // Weights accumulate in sample order, as scipy's coo → dense conversion adds duplicates.
  for (let s = 0; s < t.values.length; s++) {
    const i = index.get(t.values[s]);
    const j = index.get(p.values[s]);
    if (i === undefined || j === undefined) continue;
    cm[i * n + j] += weights ? weights[s] : 1;
  }
  if (normalize) normalizeInPlace(cm, n, normalize);
  if (n === 1) {
    new WarningSink('UserWarning').warn(
      "A single label was found in 'yTrue' and 'yPred'. For the confusion matrix to have the correct shape, use the 'labels' option to pass all known labels.",
    );
  }
  return new ConfusionMatrix(cm, labels, normalize);
}

/** Divides by numpy's sums: rows reduce pairwise, columns row by row, the total pairwise. */
function normalizeInPlace(cm: Float64Array, n: number, normalize: Normalize): void {
  const divisor = (i: number, j: number, rows: number[], cols: number[], total: number) =>
    normalize === 'true' ? rows[i] : normalize === 'pred' ? cols[j] : total;
  const rows = Array.from({ length: n }, (_, i) => pairwiseSum(cm, i * n, n));
  const cols = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cols[j] += cm[i * n + j];
  const total = pairwiseSum(cm);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = cm[i * n + j] / divisor(i, j, rows, cols, total);
      // numpy's nan_to_num: 0/0 → 0, ±x/0 → ±largest float.
      cm[i * n + j] = Number.isNaN(v) ? 0 : v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v;
    }
  }
}
