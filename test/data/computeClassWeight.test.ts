/** computeClassWeight against sklearn's compute_class_weight('balanced'), and its errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { computeClassWeight } from '../../src/data/computeClassWeight.js';
import { tensor, toTensor } from '../../src/tensor.js';

interface Case { name: string; classes: number[]; y: number[]; sampleWeight: number[] | null; weights: Record<string, number> }
const golden = JSON.parse(readFileSync(new URL('../fixtures/data_golden.json', import.meta.url), 'utf8')) as {
  computeClassWeight: Case[];
  computeClassWeightErrors: Record<string, string>;
};

describe('computeClassWeight matches sklearn', () => {
  for (const c of golden.computeClassWeight) {
    it(c.name, () => {
      const w = computeClassWeight('balanced', { classes: c.classes, y: c.y, sampleWeight: c.sampleWeight ?? undefined });
      expect(Object.keys(w).sort()).toEqual(Object.keys(c.weights).sort());
      for (const [k, v] of Object.entries(c.weights)) expect(Math.abs(w[Number(k)] - v)).toBeLessThanOrEqual(1e-14 * v);
    });
  }

  it('the issue example: y = [1,1,1,1,0,0] → {0: 1.5, 1: 0.75}', () => {
    expect(computeClassWeight('balanced', { classes: [0, 1], y: [1, 1, 1, 1, 0, 0] })).toEqual({ 0: 1.5, 1: 0.75 });
  });

  it('accepts typed arrays, (N, 1) tensors and argMaxed one-hot labels', () => {
    const expected = { 0: 1.5, 1: 0.75 };
    expect(computeClassWeight('balanced', { classes: Int32Array.of(0, 1), y: Uint8Array.of(1, 1, 1, 1, 0, 0) })).toEqual(expected);
    expect(computeClassWeight('balanced', { classes: [0, 1], y: tensor([[1], [1], [1], [1], [0], [0]]) })).toEqual(expected);
    const oneHot = toTensor([[0, 1], [0, 1], [0, 1], [0, 1], [1, 0], [1, 0]], 'y');
    expect(computeClassWeight('balanced', { classes: [0, 1], y: oneHot.argMax(-1) })).toEqual(expected);
  });
});

describe('computeClassWeight errors', () => {
  it("sklearn's: a label of y not in classes, a class absent from y", () => {
    expect(() => computeClassWeight('balanced', { classes: [0, 1], y: [0, 1, 2] })).toThrow(ValueError);
    expect(() => computeClassWeight('balanced', { classes: [0, 1], y: [0, 1, 2] })).toThrow(golden.computeClassWeightErrors['label not in classes']);
    expect(() => computeClassWeight('balanced', { classes: [0, 1, 2], y: [0, 1, 1] })).toThrow(golden.computeClassWeightErrors['class not in y']);
  });

  it('one-hot y, non-integer labels, bad sample weights, other modes', () => {
    expect(() => computeClassWeight('balanced', { classes: [0, 1], y: [[0, 1], [1, 0]] })).toThrow(ShapeError);
    expect(() => computeClassWeight('balanced', { classes: [0, 1], y: [[0, 1], [1, 0]] })).toThrow(/For one-hot labels pass y.argMax\(-1\)/);
    expect(() => computeClassWeight('balanced', { classes: [0, 1], y: [0, 0.5] })).toThrow(ValueError);
    expect(() => computeClassWeight('balanced', { classes: [0, 1], y: [0, 1], sampleWeight: [1] })).toThrow(ShapeError);
    expect(() => computeClassWeight('balanced', { classes: [0, 1], y: [0, 1], sampleWeight: [1, -1] })).toThrow(ValueError);
    expect(() => computeClassWeight('uniform' as 'balanced', { classes: [0, 1], y: [0, 1] })).toThrow(
      `computeClassWeight(classWeight) expected 'balanced', received "uniform".`,
    );
  });
});
