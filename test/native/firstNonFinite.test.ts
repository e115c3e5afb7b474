// addon.firstNonFinite (native/binding/data.cc): the input scan behind fit/evaluate/predict's
// "expected finite numbers" errors, checked against a plain JS scan.
import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../src/native.js';

const addon = loadAddon();

function reference(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

function randomFinite(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 1e6;
  return x;
}

describe('firstNonFinite', () => {
  const specials = [NaN, Infinity, -Infinity];

  it('returns -1 for finite data, including extremes, -0 and subnormals', () => {
    const x = randomFinite(5000, 1);
    x.set([-0, 3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, -1.4e-45, 1.1754942e-38], 100);
    expect(addon.firstNonFinite(x)).toBe(-1);
    expect(addon.firstNonFinite(new Float32Array(0))).toBe(-1);
  });

  it('finds the first NaN or infinity at every position around the block edges', () => {
    for (const n of [1, 7, 1023, 1024, 1025, 2048, 3001]) {
      for (const at of [0, 1, n - 1, 1023, 1024, 1025, 2047].filter((p) => p < n)) {
        for (const v of specials) {
          const x = randomFinite(n, n + at);
          x[at] = v;
          if (at + 5 < n) x[at + 5] = NaN;  // a later one must not win
          expect(addon.firstNonFinite(x)).toBe(at);
          expect(reference(x)).toBe(at);
        }
      }
    }
  });

  it('reads NaNs with any payload or sign', () => {
    const x = randomFinite(2000, 9);
    new Uint32Array(x.buffer)[1500] = 0xffc00001; // negative quiet NaN with a payload
    expect(addon.firstNonFinite(x)).toBe(1500);
    new Uint32Array(x.buffer)[1200] = 0x7f800001; // signalling NaN
    expect(addon.firstNonFinite(x)).toBe(1200);
  });

  it('scans only the view it is given', () => {
    const x = randomFinite(4096, 3);
    x[10] = NaN;
    expect(addon.firstNonFinite(x.subarray(11))).toBe(-1);
    expect(addon.firstNonFinite(x.subarray(5))).toBe(5);
  });

  it('rejects what is not a Float32Array with a TypeError naming the argument', () => {
    expect(() => addon.firstNonFinite(new Float64Array(4) as unknown as Float32Array)).toThrow(TypeError);
    expect(() => addon.firstNonFinite(new Float64Array(4) as unknown as Float32Array)).toThrow(/"x".*Float32Array/);
    expect(() => addon.firstNonFinite([1, 2] as unknown as Float32Array)).toThrow(TypeError);
  });
});
