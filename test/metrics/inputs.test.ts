/** Input normalisation and the typed errors at the metrics' API boundary. */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import {
  ConfusionMatrix,
  accuracyScore,
  classificationReport,
  confusionMatrix,
  f1Score,
  precisionRecallFscoreSupport,
  rocAucScore,
  topKAccuracyScore,
} from '../../src/metrics/index.js';

let warnSpy: MockInstance<typeof process.emitWarning>;
beforeEach(() => {
  warnSpy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterEach(() => warnSpy.mockRestore());

describe('accepted inputs', () => {
  it('argmaxes probability rows, number[][] and {data, shape} alike, ties to the first index', () => {
    const probs = [
      [0.1, 0.7, 0.2],
      [0.5, 0.5, 0.0], // tie → class 0, like numpy.argmax
      [0.2, 0.3, 0.5],
    ];
    const tensor = { data: Float32Array.from(probs.flat()), shape: [3, 3] };
    const cmRows = confusionMatrix([1, 0, 2], probs);
    const cmTensor = confusionMatrix(Int32Array.of(1, 0, 2), tensor);
    expect(cmRows.toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(cmTensor.toArray()).toEqual(cmRows.toArray());
  });

  it('argmaxes one-hot yTrue too', () => {
    const oneHot = { data: Float32Array.of(1, 0, 0, 1, 0, 1), shape: [3, 2] };
    expect(accuracyScore(oneHot, [0, 1, 0])).toBeCloseTo(2 / 3, 15);
  });

  it('reads a [n, 1] column as labels rather than argmaxing it', () => {
    const column = { data: Float32Array.of(1, 0, 1), shape: [3, 1] };
    expect(confusionMatrix(column, [1, 1, 1]).labels).toEqual([0, 1]);
  });

  it('sorts string labels by code point, uppercase first', () => {
    const cm = confusionMatrix(['b', 'B', 'a'], ['b', 'B', 'a']);
    expect(cm.labels).toEqual(['B', 'a', 'b']);
  });

  it('ConfusionMatrix exposes data, shape, labels, get and toArray', () => {
    const cm = confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]);
    expect(cm).toBeInstanceOf(ConfusionMatrix);
    expect(cm.shape).toEqual([3, 3]);
    expect(cm.labels).toEqual([0, 1, 2]);
    expect(cm.get(2, 0)).toBe(1);
    expect(Array.from(cm.data)).toEqual([2, 0, 0, 0, 0, 1, 1, 0, 2]);
    expect(cm.normalize).toBeNull();
  });
});

describe('typed errors', () => {
  it('length mismatch names the argument and both lengths', () => {
    expect(() => confusionMatrix([0, 1, 1, 0], [0, 1, 1])).toThrow(ShapeError);
    expect(() => confusionMatrix([0, 1, 1, 0], [0, 1, 1])).toThrow(
      'confusionMatrix: yPred expected 4 labels (the length of yTrue), received 3.',
    );
  });

  it('rejects mixing string and number labels', () => {
    expect(() => accuracyScore(['a', 1] as never, ['a', 'b'])).toThrow(ValueError);
    expect(() => accuracyScore(['a', 'b'], [0, 1])).toThrow(/Mix of label input types/);
  });

  it('rejects non-integer numeric labels with a hint to argmax or threshold', () => {
    expect(() => f1Score([0, 1], [0.2, 0.9])).toThrow(/yPred\[0\] expected an integer class label, received 0\.2\. Threshold/);
  });

  it('rejects labels of the wrong kind, duplicated, or none in yTrue', () => {
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: ['0', '1'] })).toThrow(ValueError);
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [0, 0] })).toThrow(/unique labels/);
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [5, 6] })).toThrow(
      'confusionMatrix: labels expected at least one label that occurs in yTrue, received [5,6].',
    );
  });

  it('targetNames must name every reported label', () => {
    expect(() => classificationReport([0, 1, 2], [0, 1, 1], { targetNames: ['a', 'b'] })).toThrow(ShapeError);
    expect(() => classificationReport([0, 1, 2], [0, 1, 1], { labels: [0, 1], targetNames: ['a', 'b', 'c'] })).toThrow(
      /targetNames expected 2 names/,
    );
  });

  it('checks sample weights and tensor shapes', () => {
    expect(() => accuracyScore([0, 1], [0, 1], { sampleWeight: [1] })).toThrow(ShapeError);
    expect(() => accuracyScore([0, 1], [0, 1], { sampleWeight: [1, NaN] })).toThrow(ValueError);
    expect(() => accuracyScore([0, 1], { data: new Float32Array(5), shape: [2, 3] })).toThrow(ShapeError);
    expect(() => accuracyScore([0, 1], [[0.1, 0.9], [0.3]])).toThrow(ShapeError);
    expect(() => accuracyScore([], [])).toThrow(ValueError);
  });

  it('validates option values', () => {
    expect(() => f1Score([0, 1], [0, 1], { zeroDivision: 2 as never })).toThrow(ValueError);
    expect(() => f1Score([0, 1], [0, 1], { average: 'samples' as never })).toThrow(ValueError);
    expect(() => classificationReport([0, 1], [0, 1], { digits: -1 })).toThrow(ValueError);
    expect(() => confusionMatrix([0, 1], [0, 1], { normalize: 'rows' as never })).toThrow(ValueError);
    expect(() => topKAccuracyScore([0, 1, 2], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], { k: 0 })).toThrow(ValueError);
  });

  it("average 'binary' (f1Score's default) needs posLabel to be one of the labels", () => {
    expect(() => f1Score(['cat', 'dog'], ['cat', 'cat'])).toThrow(/posLabel expected one of the labels \["cat","dog"\], received 1/);
    expect(f1Score(['cat', 'dog'], ['cat', 'dog'], { posLabel: 'dog' })).toBe(1);
    expect(() => f1Score([0, 1, 2], [0, 1, 2])).toThrow(/average expected a binary target/);
  });

  it('rocAucScore: multiclass needs multiClass "ovr"; binary needs one score per sample', () => {
    const probs = [
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
    ];
    expect(() => rocAucScore([0, 1, 2], probs)).toThrow(/multiClass expected 'ovr'/);
    expect(rocAucScore([0, 1, 2], probs, { multiClass: 'ovr' })).toBe(1);
    expect(() => rocAucScore([0, 1], [[0.3, 0.7], [0.6, 0.4]])).toThrow(/Pass the column of the positive/);
    expect(() => rocAucScore([0, 1, 2], [[0.5, 0.6, 0.1], probs[1], probs[2]], { multiClass: 'ovr' })).toThrow(/Apply softmax/);
  });
});

describe('warnings', () => {
  it('zero division warns once per call as an UndefinedMetricWarning', () => {
    const report = classificationReport([0, 1, 2, 2], [0, 1, 1, 1]);
    expect(report).toContain('           2       0.00      0.00      0.00         2');
    const calls = warnSpy.mock.calls;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual([
      'Precision is ill-defined and being set to 0.0 in labels with no predicted samples. Use the `zeroDivision` option to control this behavior.',
      'UndefinedMetricWarning',
    ]);
  });

  it('zeroDivision 0 or 1 sets the value silently', () => {
    expect(precisionRecallFscoreSupport([0, 1, 2, 2], [0, 1, 1, 1], { zeroDivision: 1 }).precision).toEqual([1, 1 / 3, 1]);
    expect(warnSpy).not.toHaveBeenCalled();
  });

  it('posLabel other than 1 with a non-binary average is noted as a UserWarning', () => {
    f1Score([0, 1, 1], [0, 1, 0], { average: 'macro', posLabel: 0 });
    expect(warnSpy.mock.calls[0][1]).toBe('UserWarning');
    expect(String(warnSpy.mock.calls[0][0])).toMatch(/posLabel \(set to 0\) is ignored when average != 'binary'/);
  });
});
