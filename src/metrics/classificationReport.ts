/**
 * sklearn's `classification_report`, text and dict. The text is reproduced character for
 * character: a name column `max(longest name, len('weighted avg') = 12, digits)` wide, columns 9
 * wide separated by one space, Python's half-even float rounding, supports printed as Python prints
 * them (ints, or float reprs such as '7.0' when sklearn holds floats), an `accuracy` row with blank
 * precision/recall — or `micro avg` when `labels` leaves out a label that occurs in the data.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { type Label, type LabelInput, type WeightInput, labelName, mismatch } from './labels.js';
import { alignRight, codePointLength, formatFixed, formatRepr } from './pyFormat.js';
import { pairwiseSum } from './reduce.js';
import { type Average, type PrfsAveraged, type PrfsPerClass, type ZeroDivision, prfsWithCounts } from './scores.js';
import { WarningSink } from './warn.js';

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions {
  /**
   * Labels to report, in this order. When it leaves out a label that occurs in `yTrue` or `yPred`,
   * the pooled row is `micro avg` instead of `accuracy`. Defaults to the sorted union of both.
   */
  labels?: readonly Label[];
  /** Display names of `labels`, same length. Defaults to the labels themselves (`String(label)`). */
  targetNames?: readonly string[];
  /** One weight per sample; supports become weight sums. Defaults to none. */
  sampleWeight?: WeightInput;
  /** Decimal places of the text report (ignored for the dict). Defaults to `2`. */
  digits?: number;
  /** Return the dict form instead of the text. Defaults to `false`. */
  outputDict?: boolean;
  /** Value of an undefined score (zero denominator). Defaults to `'warn'` (0 with a warning). */
  zeroDivision?: ZeroDivision;
}

/** One row of the dict report; `support` is a float in sklearn's dict. */
export interface ReportRow {
  precision: number;
  recall: number;
  'f1-score': number;
  support: number;
}

/**
 * sklearn's `output_dict` form: one {@link ReportRow} per target name, then `accuracy` (a bare
 * number) or `micro avg`, then `macro avg` and `weighted avg`. Note that JS objects list
 * integer-like keys ('0', '1', ...) first and in ascending order, whatever the `labels` order.
 */
export type ClassificationReportDict = { [name: string]: ReportRow | number };

const HEADERS = ['precision', 'recall', 'f1-score', 'support'] as const;

/**
 * Builds sklearn's classification report of precision, recall, F1 and support per class.
 *
 * @example
 * console.log(metrics.classificationReport(yTest, model.predict(xTest), { targetNames: classNames }));
 */
export function classificationReport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: ClassificationReportOptions & { outputDict: true },
): ClassificationReportDict;
export function classificationReport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options?: ClassificationReportOptions & { outputDict?: false },
): string;
export function classificationReport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options?: ClassificationReportOptions,
): string | ClassificationReportDict;
export function classificationReport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: ClassificationReportOptions = {},
): string | ClassificationReportDict {
  const where = 'classificationReport';
  const digits = options.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) {
    throw new ValueError(expectedMessage(`${where}: digits`, 'an integer from 0 to 100', digits));
  }
  const sink = new WarningSink();
  const prfsOptions = { labels: options.labels, sampleWeight: options.sampleWeight, zeroDivision: options.zeroDivision };
  const perClass = prfsWithCounts(yTrue, yPred, prfsOptions, null, where, sink);
  const result = perClass.result as PrfsPerClass;
  const { labels } = result;
  const present = perClass.counts.present;
  const microIsAccuracy = options.labels === undefined || present.every((l) => labels.includes(l));
  const names = targetNames(options.targetNames, labels, where);

  const averages: { heading: string; values: PrfsAveraged }[] = (['micro', 'macro', 'weighted'] as Average[]).map((avg) => ({
    heading: avg === 'micro' && microIsAccuracy ? 'accuracy' : `${avg} avg`,
    values: prfsWithCounts(yTrue, yPred, prfsOptions, avg, where, sink).result as PrfsAveraged,
  }));
  // sklearn's `np.sum(s)` over the per-class supports, pairwise like numpy.
  const totalSupport = pairwiseSum(result.support);

  if (options.outputDict) {
    const dict: ClassificationReportDict = {};
    names.forEach((name, i) => {
      dict[name] = { precision: result.precision[i], recall: result.recall[i], 'f1-score': result.fScore[i], support: result.support[i] };
    });
    for (const { heading, values } of averages) {
      // sklearn stores the micro precision (= accuracy when micro is accuracy) as a bare number.
      dict[heading] =
        heading === 'accuracy'
          ? values.precision
          : { precision: values.precision, recall: values.recall, 'f1-score': values.fScore, support: totalSupport };
    }
    return dict;
  }

  const width = Math.max(...names.map(codePointLength), 'weighted avg'.length, digits);
  const support = (s: number) => (perClass.counts.isFloat ? formatRepr(s) : String(s));
  const num = (x: number) => ' ' + alignRight(formatFixed(x, digits), 9);
  const row = (name: string, p: number, r: number, f: number, s: number) =>
    `${alignRight(name, width)} ${num(p)}${num(r)}${num(f)} ${alignRight(support(s), 9)}\n`;

  let report = alignRight('', width) + ' ' + HEADERS.map((h) => ' ' + alignRight(h, 9)).join('') + '\n\n';
  names.forEach((name, i) => {
    report += row(name, result.precision[i], result.recall[i], result.fScore[i], result.support[i]);
  });
  report += '\n';
  for (const { heading, values } of averages) {
    if (heading === 'accuracy') {
      const blank = ' ' + alignRight('', 9);
      report += `${alignRight(heading, width)} ${blank}${blank}${num(values.fScore)} ${alignRight(support(totalSupport), 9)}\n`;
    } else {
      report += row(heading, values.precision, values.recall, values.fScore, totalSupport);
    }
  }
  return report;
}

/** Resolves the row names; a length mismatch is an error (sklearn only warns when labels are given and then drops rows). */
function targetNames(given: readonly string[] | undefined, labels: readonly Label[], where: string): string[] {
  if (given === undefined) return labels.map(labelName);
  if (!Array.isArray(given) || given.some((n) => typeof n !== 'string')) {
    throw new ValueError(expectedMessage(`${where}: targetNames`, 'an array of strings', given));
  }
  if (given.length !== labels.length) {
    throw new ShapeError(
      mismatch(`${where}: targetNames`, `${labels.length} names (one per label: ${JSON.stringify(labels)})`, `${given.length}`, 'Pass the labels option to report a subset.'),
    );
  }
  return [...given];
}
