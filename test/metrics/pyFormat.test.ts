/** Python float formatting as the classification report needs it. */
import { describe, expect, it } from 'vitest';
import { alignRight, codePointLength, formatFixed, formatRepr } from '../../src/metrics/pyFormat.js';

describe('formatFixed reproduces Python format(x, ".Nf")', () => {
  it('rounds exact binary ties half to even, unlike toFixed', () => {
    // Python: '%.2f' % 0.125 == '0.12', '%.2f' % 0.375 == '0.38', '%.2f' % 0.625 == '0.62'
    expect((0.125).toFixed(2)).toBe('0.13'); // the JS behaviour this module corrects
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(0.625, 2)).toBe('0.62');
    expect(formatFixed(0.5, 0)).toBe('0');
    expect(formatFixed(1.5, 0)).toBe('2');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(0.0625, 3)).toBe('0.062');
  });
  it('rounds non-ties from the exact binary value like Python', () => {
    // 0.615 is stored as 0.61499999999999999112 → '0.61'; 0.835 as 0.83499999999999996447 → '0.83'
    expect(formatFixed(0.615, 2)).toBe('0.61');
    expect(formatFixed(0.835, 2)).toBe('0.83');
    expect(formatFixed(0.8333333333333334, 4)).toBe('0.8333');
    expect(formatFixed(2 / 3, 15)).toBe('0.666666666666667');
  });
  it('formats signs and non-finite values as Python does', () => {
    expect(formatFixed(-0.001, 2)).toBe('-0.00');
    expect(formatFixed(NaN, 2)).toBe('nan');
    expect(formatFixed(Infinity, 2)).toBe('inf');
    expect(formatFixed(1e22, 1)).toBe('10000000000000000000000.0');
  });
});

describe('formatRepr reproduces Python repr(float)', () => {
  it.each([
    [3, '3.0'],
    [0.1, '0.1'],
    [24.468000000000004, '24.468000000000004'],
    [0.7999999999999999, '0.7999999999999999'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1.5e16, '1.5e+16'],
    [1e15, '1000000000000000.0'],
    [123456.5, '123456.5'],
    [-2.5, '-2.5'],
    [0, '0.0'],
    [NaN, 'nan'],
  ])('%s → %s', (x, s) => {
    expect(formatRepr(x)).toBe(s);
  });
});

describe('alignment counts code points like Python', () => {
  it('pads by code points and never truncates', () => {
    expect(codePointLength('😀ab')).toBe(3);
    expect(alignRight('😀', 3)).toBe('  😀');
    expect(alignRight('longer than width', 4)).toBe('longer than width');
  });
});
