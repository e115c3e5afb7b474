// Initializers: Keras's fan computation and scaling formulas, the statistics of large fills
// (mean, stddev, bounds) against those formulas, determinism per seed, and name resolution.
// Statistical bounds: with n = 150,000 draws, a sample mean lies within 5·σ/√n and a sample
// stddev within 1.5 % of the population value with overwhelming probability; the seeds are fixed,
// so the tests are deterministic anyway.
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import {
  Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, type Initializer, LecunNormal, LecunUniform, Ones,
  RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros, computeFans, getInitializer, initializerNames,
} from '../../src/initializers/index.js';
import { loadAddon } from '../../src/native.js';

const SEED = 0x1234_5678_9abc_def0n;

function fill(init: Initializer, shape: number[], seed = SEED): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  init.fill(out, shape, seed);
  return out;
}

function stats(x: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0, min = Infinity, max = -Infinity;
  for (const v of x) { s += v; min = Math.min(min, v); max = Math.max(max, v); }
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / x.length), min, max };
}

describe('computeFans (Keras compute_fans)', () => {
  it.each([
    [[], 1, 1], [[7], 7, 7], [[784, 128], 784, 128], [[3, 5, 6], 15, 18], [[3, 3, 16, 32], 144, 288],
  ])('%j → fanIn %i, fanOut %i', (shape, fanIn, fanOut) => {
    expect(computeFans(shape)).toEqual({ fanIn, fanOut });
  });
});

const DENSE = [300, 500]; // fanIn 300, fanOut 500
const CONV = [5, 5, 40, 150]; // fanIn 1000, fanOut 3750
const TRUNC = 0.87962566103423978;

describe('variance-scaling initializers follow Keras formulas', () => {
  it.each([
    ['GlorotUniform', new GlorotUniform(), DENSE, Math.sqrt(6 / 800)],
    ['HeUniform', new HeUniform(), CONV, Math.sqrt(6 / 1000)],
    ['LecunUniform', new LecunUniform(), DENSE, Math.sqrt(3 / 300)],
    ['VarianceScaling fanOut uniform', new VarianceScaling({ scale: 2, mode: 'fanOut', distribution: 'uniform' }), CONV, Math.sqrt(6 / 3750)],
  ] as const)('%s: uniform in [−limit, limit)', (_n, init, shape, limit) => {
    const s = stats(fill(init, [...shape]));
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeLessThan(limit);
    expect(s.min).toBeLessThan(-0.99 * limit);
    expect(s.max).toBeGreaterThan(0.99 * limit);
    expect(Math.abs(s.mean)).toBeLessThan((5 * limit) / Math.sqrt(3 * 150000));
    expect(Math.abs(s.std / (limit / Math.sqrt(3)) - 1)).toBeLessThan(0.015);
  });

  it.each([
    ['GlorotNormal', new GlorotNormal(), DENSE, Math.sqrt(2 / 800)],
    ['HeNormal', new HeNormal(), CONV, Math.sqrt(2 / 1000)],
    ['LecunNormal', new LecunNormal(), DENSE, Math.sqrt(1 / 300)],
    ["VarianceScaling fanAvg 'normal' (= truncated)", new VarianceScaling({ scale: 3, mode: 'fanAvg', distribution: 'normal' }), CONV, Math.sqrt(3 / 2375)],
  ] as const)('%s: truncated normal whose stddev after truncation is sqrt(scale / fan)', (_n, init, shape, std) => {
    const s = stats(fill(init, [...shape]));
    // Truncation at ±2σ of σ = std / 0.8796 (Keras's correction).
    expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual((2 * std) / TRUNC * (1 + 1e-6));
    expect(Math.max(-s.min, s.max)).toBeGreaterThan((1.98 * std) / TRUNC);
    expect(Math.abs(s.mean)).toBeLessThan((5 * std) / Math.sqrt(150000));
    expect(Math.abs(s.std / std - 1)).toBeLessThan(0.015);
  });

  it('untruncatedNormal is a plain normal with stddev sqrt(scale / fan)', () => {
    const std = Math.sqrt(1 / 300);
    const x = fill(new VarianceScaling({ distribution: 'untruncatedNormal' }), DENSE);
    const s = stats(x);
    expect(Math.abs(s.std / std - 1)).toBeLessThan(0.015);
    // About 4.55 % of a normal lies beyond 2σ; none would with truncation.
    const tail = x.filter((v) => Math.abs(v) > 2 * std).length / x.length;
    expect(tail).toBeGreaterThan(0.04);
    expect(tail).toBeLessThan(0.051);
  });
});

describe('plain random and constant initializers', () => {
  it('RandomNormal defaults to mean 0, stddev 0.05 and is not truncated', () => {
    const s = stats(fill(new RandomNormal(), DENSE));
    expect(Math.abs(s.std / 0.05 - 1)).toBeLessThan(0.015);
    expect(s.max).toBeGreaterThan(0.1);
    const t = stats(fill(new RandomNormal({ mean: 3, stddev: 2 }), DENSE));
    expect(Math.abs(t.mean - 3)).toBeLessThan(0.03);
  });

  it('TruncatedNormal keeps values within mean ± 2·stddev (stddev shrinks to 0.88·stddev)', () => {
    const s = stats(fill(new TruncatedNormal({ mean: 1, stddev: 0.5 }), DENSE));
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThanOrEqual(2);
    expect(Math.abs(s.std / (0.5 * TRUNC) - 1)).toBeLessThan(0.015);
  });

  it('RandomUniform defaults to [−0.05, 0.05)', () => {
    const s = stats(fill(new RandomUniform(), DENSE));
    expect(s.min).toBeGreaterThanOrEqual(-0.05);
    expect(s.max).toBeLessThan(0.05);
    const t = stats(fill(new RandomUniform({ minval: 2, maxval: 4 }), DENSE));
    expect([t.min >= 2, t.max < 4, Math.abs(t.mean - 3) < 0.01]).toEqual([true, true, true]);
  });

  it('Zeros, Ones and Constant', () => {
    expect([...fill(new Zeros(), [2, 2])]).toEqual([0, 0, 0, 0]);
    expect([...fill(new Ones(), [3])]).toEqual([1, 1, 1]);
    expect([...fill(new Constant({ value: 0.25 }), [2])]).toEqual([0.25, 0.25]);
    expect([...fill(new Constant(), [1])]).toEqual([0]);
  });
});

describe('determinism', () => {
  it('the same seed gives the same values, another seed others', () => {
    const a = fill(new GlorotUniform(), [64, 32], 7n), b = fill(new GlorotUniform(), [64, 32], 7n);
    const c = fill(new GlorotUniform(), [64, 32], 8n);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("an initializer's own seed wins over the weight seed (Keras's seeded initializers)", () => {
    const init = new HeNormal({ seed: 42 });
    expect(fill(init, [10, 10], 1n)).toEqual(fill(init, [10, 10], 2n));
    expect(init.getConfig()).toEqual({ seed: 42 });
  });

  it('draws what the reference backend draws for the same stream (any backend, any thread count)', () => {
    const addon = loadAddon();
    const limit = Math.sqrt(6 / (20 + 30));
    const ref = new Float32Array(600);
    addon.rngFill(0, ref, 0, -limit, limit, 99n, 0);
    expect(fill(new GlorotUniform(), [20, 30], 99n)).toEqual(ref);
  });
});

describe('getInitializer and validation', () => {
  it('resolves every Keras camelCase name to a new instance with Keras defaults', () => {
    const classes = initializerNames.map((n) => getInitializer(n).className);
    expect(classes).toEqual(['GlorotUniform', 'GlorotNormal', 'HeUniform', 'HeNormal', 'LecunUniform', 'LecunNormal',
      'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'VarianceScaling', 'Zeros', 'Ones', 'Constant']);
    expect(getInitializer('varianceScaling').getConfig()).toEqual({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: null });
    const g = new GlorotUniform();
    expect(getInitializer(g)).toBe(g);
  });

  it('rejects unknown names listing the valid ones', () => {
    expect(() => getInitializer('glorot_uniform' as never)).toThrow(ValueError);
    expect(() => getInitializer('xavier' as never, 'Dense: option "kernelInitializer"'))
      .toThrow(/Dense: option "kernelInitializer" expected an Initializer or one of 'glorotUniform'/);
  });

  it('rejects bad options and buffers that do not match the shape', () => {
    expect(() => new VarianceScaling({ scale: 0 })).toThrow(/scale" expected a number > 0/);
    expect(() => new VarianceScaling({ mode: 'fan_in' as never })).toThrow(/mode/);
    expect(() => new RandomUniform({ minval: 1, maxval: 0 })).toThrow(/maxval/);
    expect(() => new GlorotUniform({ seed: -1 })).toThrow(/seed/);
    expect(() => new GlorotUniform().fill(new Float32Array(5), [2, 3], 1n)).toThrow(ShapeError);
    expect(() => new GlorotUniform().fill(new Float32Array(6), [2, 3], -1n)).toThrow(ValueError);
  });
});
