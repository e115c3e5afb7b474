// Random fills through the binding on every backend.
//
// Oracle: an independent JavaScript Philox4x32-10 (checked against Random123's published
// known-answer vectors) and the element → counter mapping that native/cpu/rng.cc documents as
// its reproducibility contract. Uniform values must match bit for bit (the mapping is exact
// double arithmetic); normal values within 1e-6 absolute (JS and libm log/cos may differ in
// the last double bit, which the float32 result almost always hides).
import { describe, expect, it } from 'vitest';
import { rngFill } from '../../src/native.js';
import { addon, expectBitwiseEqual, expectClose, hostBackends, withThreads } from './helpers.js';

const M0 = 0xd2511f53n, M1 = 0xcd9e8d57n, W0 = 0x9e3779b9n, W1 = 0xbb67ae85n, MASK = 0xffffffffn;

/** Philox4x32-10 (Salmon et al., SC'11; Random123 philox4x32_R with R = 10). */
function philox(ctr: readonly bigint[], key: readonly bigint[]): bigint[] {
  let [c0, c1, c2, c3] = ctr;
  let [k0, k1] = key;
  for (let r = 0; r < 10; r++) {
    const p0 = M0 * c0, p1 = M1 * c2;
    [c0, c1, c2, c3] = [((p1 >> 32n) ^ c1 ^ k0) & MASK, p1 & MASK, ((p0 >> 32n) ^ c3 ^ k1) & MASK, p0 & MASK];
    k0 = (k0 + W0) & MASK;
    k1 = (k1 + W1) & MASK;
  }
  return [c0, c1, c2, c3];
}

const keyOf = (seed: bigint) => [seed & MASK, (seed >> 32n) & MASK];
const bits = (x: bigint) => Number(x >> 8n);

function uniformAt(seed: bigint, j: bigint, a: number, b: number): number {
  const x = philox([(j >> 2n) & MASK, (j >> 34n) & MASK, 0n, 0n], keyOf(seed))[Number(j & 3n)];
  const f = Math.fround(Math.fround(a) + (Math.fround(b) - Math.fround(a)) * (bits(x) * 2 ** -24));
  return f >= Math.fround(b) ? nextBelow(Math.fround(b)) : f;
}

function nextBelow(x: number): number {
  const f = new Float32Array([x]), u = new Int32Array(f.buffer);
  u[0] += x > 0 ? -1 : 1;
  return f[0];
}

function normalZ(seed: bigint, j: bigint, attempt: bigint): number {
  const x = philox([(j >> 1n) & MASK, (j >> 33n) & MASK, attempt, 1n], keyOf(seed));
  const w = 2 * Number(j & 1n);
  const u1 = (bits(x[w]) + 1) * 2 ** -24, u2 = bits(x[w + 1]) * 2 ** -24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

const hex = (v: bigint[]) => v.map((x) => x.toString(16).padStart(8, '0')).join(' ');

describe('the JavaScript Philox oracle', () => {
  it('reproduces the Random123 known-answer vectors', () => {
    expect(hex(philox([0n, 0n, 0n, 0n], [0n, 0n]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox([MASK, MASK, MASK, MASK], [MASK, MASK]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philox([0x243f6a88n, 0x85a308d3n, 0x13198a2en, 0x03707344n], [0xa4093822n, 0x299f31d0n])))
      .toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });
});

describe.each(hostBackends)('rngFill on $name', ({ index }) => {
  it('uniform values follow the documented Philox mapping bit for bit', () => {
    for (const [seed, offset] of [[0n, 0n], [42n, 3n], [(1n << 63n) + 12345n, 2n ** 40n - 7n]]) {
      const out = new Float32Array(71);
      addon.rngFill(index, out, 0, -0.5, 2, seed, offset);
      const want = Float32Array.from({ length: out.length }, (_, i) => uniformAt(seed, offset + BigInt(i), -0.5, 2));
      expectBitwiseEqual(out, want, `seed ${seed} offset ${offset}`);
    }
  });

  it('normal values follow the documented Box–Muller mapping', () => {
    const out = rngFill(new Float32Array(67), { distribution: 'normal', mean: 1, stddev: 3, seed: 7, offset: 5, backend: index });
    const want = Array.from(out, (_, i) => Math.fround(1 + 3 * normalZ(7n, 5n + BigInt(i), 0n)));
    expectClose(out, want, 1e-5, 1e-6, 'normal');
  });

  it('truncated normal stays inside mean ± 2·stddev and equals the normal fill where that was inside', () => {
    const args = { mean: -1, stddev: 0.5, seed: 99, backend: index } as const;
    const normal = rngFill(new Float32Array(4000), { distribution: 'normal', ...args });
    const trunc = rngFill(new Float32Array(4000), { distribution: 'truncatedNormal', ...args });
    let redrawn = 0;
    for (let i = 0; i < trunc.length; i++) {
      expect(Math.abs(trunc[i] + 1)).toBeLessThan(1.0000001);
      if (Math.abs(normal[i] + 1) < 0.999) expect(trunc[i]).toBe(normal[i]);
      else redrawn++;
    }
    // About 4.55% of normal draws fall outside ±2σ.
    expect(redrawn).toBeGreaterThan(100);
    expect(redrawn).toBeLessThan(280);
  });

  it('is deterministic, seed-sensitive, and invariant to how a fill is split', () => {
    for (const distribution of ['uniform', 'normal', 'truncatedNormal'] as const) {
      const whole = rngFill(new Float32Array(1000), { distribution, seed: 123, backend: index });
      expectBitwiseEqual(rngFill(new Float32Array(1000), { distribution, seed: 123, backend: index }), whole, 'repeat');
      const parts = new Float32Array(1000);
      for (const [start, end] of [[0, 1], [1, 333], [333, 334], [334, 1000]]) {
        rngFill(parts.subarray(start, end), { distribution, seed: 123, offset: start, backend: index });
      }
      expectBitwiseEqual(parts, whole, `${distribution} split`);
      const other = rngFill(new Float32Array(1000), { distribution, seed: 124, backend: index });
      expect(other.some((v, i) => v !== whole[i])).toBe(true);
    }
  });

  it('does not depend on the thread count', () => {
    for (const distribution of [0, 1]) {
      const one = new Float32Array(200_003), two = new Float32Array(200_003);
      withThreads(1, () => addon.rngFill(index, one, distribution, 0, 1, 5n, 1n));
      withThreads(2, () => addon.rngFill(index, two, distribution, 0, 1, 5n, 1n));
      expectBitwiseEqual(one, two, `distribution ${distribution}`);
    }
  });

  it('takes seeds as numbers or BigInts alike', () => {
    const a = rngFill(new Float32Array(50), { distribution: 'uniform', seed: 2 ** 40 + 5, offset: 9, backend: index });
    const b = rngFill(new Float32Array(50), { distribution: 'uniform', seed: 2n ** 40n + 5n, offset: 9n, backend: index });
    expectBitwiseEqual(a, b, 'number vs BigInt');
  });

  it('has the moments of its distributions', () => {
    const n = 100_000;
    const u = rngFill(new Float32Array(n), { distribution: 'uniform', minval: 2, maxval: 4, seed: 1, backend: index });
    const z = rngFill(new Float32Array(n), { distribution: 'normal', mean: -3, stddev: 2, seed: 1, backend: index });
    const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;
    const std = (x: Float32Array, m: number) => Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length);
    expect(u.reduce((m, v) => Math.min(m, v), Infinity)).toBeGreaterThanOrEqual(2);
    expect(u.reduce((m, v) => Math.max(m, v), -Infinity)).toBeLessThan(4);
    // 5 standard errors: σ/√n for the mean, ≈ σ/√(2n) for the standard deviation.
    expect(Math.abs(mean(u) - 3)).toBeLessThan(5 * (2 / Math.sqrt(12)) / Math.sqrt(n));
    expect(Math.abs(mean(z) + 3)).toBeLessThan(5 * 2 / Math.sqrt(n));
    expect(Math.abs(std(z, mean(z)) - 2)).toBeLessThan(5 * 2 / Math.sqrt(2 * n));
  });
});

describe('rngFill across backends', () => {
  it('gives identical numbers on every backend', () => {
    for (const distribution of [0, 1, 2]) {
      const fills = hostBackends.map(({ index }) => {
        const out = new Float32Array(5000);
        addon.rngFill(index, out, distribution, 0.25, 1.5, 77n, 11n);
        return out;
      });
      for (const f of fills.slice(1)) expectBitwiseEqual(f, fills[0], `distribution ${distribution}`);
    }
  });
});
