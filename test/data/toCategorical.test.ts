/** toCategorical against keras.utils.to_categorical, and its errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { toCategorical } from '../../src/data/toCategorical.js';
import { tensor } from '../../src/tensor.js';

interface Case { name: string; y: number | number[] | number[][]; numClasses: number | null; shape: number[]; data: number[] }
const golden = JSON.parse(readFileSync(new URL('../fixtures/data_golden.json', import.meta.url), 'utf8')) as {
  toCategorical: Case[];
};

describe('toCategorical matches Keras', () => {
  for (const c of golden.toCategorical) {
    it(c.name, () => {
      const y = typeof c.y === 'number' ? tensor(c.y) : c.y;
      const out = toCategorical(y, c.numClasses ?? undefined);
      expect(out.dtype).toBe('float32');
      expect(out.shape).toEqual(c.shape);
      expect(Array.from(out.data)).toEqual(c.data);
    });
  }
});

describe('toCategorical inputs and errors', () => {
  it('accepts int32/uint8/float32 labels alike', () => {
    const expected = [[0, 1, 0], [0, 0, 1]];
    expect(toCategorical(Int32Array.of(1, 2)).toArray()).toEqual(expected);
    expect(toCategorical(Uint8Array.of(1, 2)).toArray()).toEqual(expected);
    expect(toCategorical(tensor([[1], [2]])).toArray()).toEqual(expected);
  });

  it('rejects non-integer and negative labels instead of truncating or wrapping like numpy', () => {
    expect(() => toCategorical([0, 1.5])).toThrow(ValueError);
    expect(() => toCategorical([0, 1.5])).toThrow('toCategorical(y) expected non-negative integer class labels, received 1.5. At flat index 1.');
    expect(() => toCategorical([0, -1], 3)).toThrow(ValueError);
    expect(() => toCategorical([0, NaN])).toThrow(/received NaN/);
  });

  it('rejects labels ≥ numClasses and a bad numClasses', () => {
    expect(() => toCategorical([0, 3, 1], 3)).toThrow('toCategorical(y) expected class labels in [0, 3), received 3. At flat index 1; numClasses is 3.');
    expect(() => toCategorical([0], 0)).toThrow(ValueError);
    expect(() => toCategorical([0], 2.5)).toThrow(/toCategorical\(numClasses\) expected a positive integer, received 2.5/);
  });

  it('needs numClasses for empty labels', () => {
    expect(() => toCategorical([])).toThrow(ShapeError);
    expect(toCategorical([], 3).shape).toEqual([0, 3]);
  });
});
