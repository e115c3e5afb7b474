/**
 * Parity of rocAucScore and topKAccuracyScore with scikit-learn on the cases of
 * test/fixtures/sklearn/ranking.json (scripts/fixtures/make_sklearn_golden.py).
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { KernoError } from '../../src/errors.js';
import { rocAucScore, topKAccuracyScore, type LabelInput } from '../../src/metrics/index.js';

type Outcome = { value: unknown; warnings: string[] } | { error: string };
interface Case {
  name: string;
  yTrue: (number | string)[];
  yScore: number[] | number[][];
  options: Record<string, unknown>;
  result: Outcome;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/sklearn/ranking.json', import.meta.url), 'utf8')) as {
  sklearn_version: string;
  rocAuc: Case[];
  topK: Case[];
};

const revive = (x: unknown): unknown => (x === 'NaN' ? NaN : Array.isArray(x) ? x.map(revive) : x);

/** sklearn's option names → kerno's camelCase options. */
function kernoOptions(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

function kernoWarning(msg: string): string {
  return msg.replace('in y_true', 'in yTrue');
}

let warnSpy: MockInstance<typeof process.emitWarning>;
beforeEach(() => {
  warnSpy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterEach(() => warnSpy.mockRestore());

function replay(c: Case, fn: (y: LabelInput, s: LabelInput, o: never) => unknown, tolerance: number) {
  const opts = kernoOptions(c.options) as never;
  if ('error' in c.result) {
    expect(() => fn(c.yTrue as LabelInput, c.yScore as LabelInput, opts), `sklearn raised: ${c.result.error}`).toThrow(KernoError);
    return;
  }
  const expected = revive(c.result.value);
  const actual = fn(c.yTrue as LabelInput, c.yScore as LabelInput, opts);
  if (tolerance === 0) expect(actual).toEqual(expected);
  else {
    const a = [actual].flat() as number[];
    const e = [expected].flat() as number[];
    expect(a.length).toBe(e.length);
    a.forEach((v, i) => expect(Math.abs(v - e[i])).toBeLessThanOrEqual(tolerance * Math.abs(e[i])));
  }
  expect(warnSpy.mock.calls.map((call) => String(call[0]))).toEqual(c.result.warnings.map(kernoWarning));
}

describe(`rocAucScore matches scikit-learn ${fixture.sklearn_version}`, () => {
  for (const c of fixture.rocAuc) {
    it(c.name, () => replay(c, rocAucScore as never, 0));
  }
  it('accepts a {data, shape} tensor for [n, k] probabilities', () => {
    const c = fixture.rocAuc.find((x) => x.name === 'ovr average macro')!;
    const rows = c.yScore as number[][];
    const tensor = { data: Float64Array.from(rows.flat()), shape: [rows.length, rows[0].length] };
    expect(rocAucScore(c.yTrue as number[], tensor, { multiClass: 'ovr' })).toBe((c.result as { value: number }).value);
  });
});

describe(`topKAccuracyScore matches scikit-learn ${fixture.sklearn_version}`, () => {
  for (const c of fixture.topK) {
    // normalize=false with weights is numpy.dot (BLAS summation order): compare within 1e-12.
    const tol = c.options.normalize === false && c.options.sample_weight ? 1e-12 : 0;
    it(c.name, () => replay(c, topKAccuracyScore as never, tol));
  }
});
