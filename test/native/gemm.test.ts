// GEMM through the binding, on every backend, against a float64 reference.
//
// Tolerance: a float32 dot product of length K (any summation order, with or without FMA) is
// within γ = (K+2)·2⁻²⁴ of the exact value, relative to Σ|a·b|; the final alpha/beta step adds
// a few more roundings. So each element is checked against
//   (K + 4)·2⁻²³ · (|alpha|·Σ_k |a_ik·b_kj| + |beta·c_ij|)
// — twice the worst-case bound, which any correct kernel meets and a wrong index never does.
import { describe, expect, it } from 'vitest';
import { gemm } from '../../src/native.js';
import { addon, expectWithin, hostBackends, rand, withThreads } from './helpers.js';

interface Case { m: number; n: number; k: number; transA: boolean; transB: boolean; alpha: number; beta: number; pad: number }

/** C = alpha·op(A)·op(B) + beta·C in float64, plus the error scale of each element. */
function reference(c: Case, A: Float32Array, B: Float32Array, C0: Float32Array, lda: number, ldb: number, ldc: number) {
  const want = new Float64Array(c.m * c.n), scale = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let acc = 0, mag = 0;
      for (let p = 0; p < c.k; p++) {
        const a = c.transA ? A[p * lda + i] : A[i * lda + p];
        const b = c.transB ? B[j * ldb + p] : B[p * ldb + j];
        acc += a * b;
        mag += Math.abs(a * b);
      }
      const prev = c.beta === 0 ? 0 : c.beta * C0[i * ldc + j];
      want[i * c.n + j] = c.alpha * acc + prev;
      scale[i * c.n + j] = Math.abs(c.alpha) * mag + Math.abs(prev);
    }
  }
  return { want, scale };
}

function runCase(backend: number, c: Case, seed: number) {
  const [aRows, aCols] = c.transA ? [c.k, c.m] : [c.m, c.k];
  const [bRows, bCols] = c.transB ? [c.n, c.k] : [c.k, c.n];
  const lda = aCols + c.pad, ldb = bCols + c.pad, ldc = c.n + c.pad;
  const A = rand(aRows * lda, seed), B = rand(bRows * ldb, seed + 1), C = rand(c.m * ldc, seed + 2);
  const C0 = C.slice();
  const { want, scale } = reference(c, A, B, C0, lda, ldb, ldc);
  addon.gemm(backend, C, A, B, c.transA ? 1 : 0, c.transB ? 1 : 0, c.m, c.n, c.k, lda, ldb, ldc, c.alpha, c.beta);
  const got = new Float64Array(c.m * c.n), tol = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      got[i * c.n + j] = C[i * ldc + j];
      tol[i * c.n + j] = (c.k + 4) * 2 ** -23 * scale[i * c.n + j] + 1e-30;
    }
    // The padding between rows of C must be left alone.
    for (let j = c.n; j < ldc; j++) expect(C[i * ldc + j]).toBe(C0[i * ldc + j]);
  }
  expectWithin(got, want, tol, `gemm ${JSON.stringify(c)}`);
}

// Sizes around SIMD widths (8, 16) and typical micro-kernel tiles, degenerate and large cases.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [2, 3, 4], [7, 5, 3], [8, 16, 8], [17, 33, 9], [33, 17, 65], [6, 64, 31],
  [64, 64, 64], [97, 130, 75], [1, 257, 3], [300, 2, 40],
];
const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

describe.each(hostBackends)('gemm on $name', ({ index }) => {
  it.each(TRANSPOSES)('matches float64 for transA=%s transB=%s over many shapes', (transA, transB) => {
    let seed = 1;
    for (const [m, n, k] of SHAPES) runCase(index, { m, n, k, transA, transB, alpha: 1, beta: 0, pad: 0 }, seed++);
  });

  it.each([[0.5, 1], [-2, 0.25], [1, -1], [0, 2]])('applies alpha=%s beta=%s', (alpha, beta) => {
    let seed = 100;
    for (const [transA, transB] of TRANSPOSES)
      for (const [m, n, k] of [[5, 7, 9], [33, 20, 17]] as const)
        runCase(index, { m, n, k, transA, transB, alpha, beta, pad: 0 }, seed++);
  });

  it('respects leading dimensions larger than the row length', () => {
    let seed = 200;
    for (const [transA, transB] of TRANSPOSES)
      runCase(index, { m: 19, n: 23, k: 11, transA, transB, alpha: 1.5, beta: 0.5, pad: 5 }, seed++);
  });

  it('ignores NaN in C when beta is 0', () => {
    const A = rand(6, 1), B = rand(6, 2), C = new Float32Array(4).fill(NaN);
    addon.gemm(index, C, A, B, 0, 0, 2, 2, 3, 3, 2, 2, 1, 0);
    for (const v of C) expect(Number.isFinite(v)).toBe(true);
  });

  it('handles K = 0 (C = beta·C) and empty outputs', () => {
    const C = new Float32Array([1, 2, 3, 4]);
    addon.gemm(index, C, new Float32Array(0), new Float32Array(0), 0, 0, 2, 2, 0, 0, 2, 2, 1, 0.5);
    expect(Array.from(C)).toEqual([0.5, 1, 1.5, 2]);
    addon.gemm(index, new Float32Array(0), new Float32Array(0), new Float32Array(0), 0, 0, 0, 0, 5, 5, 0, 0, 1, 0);
  });

  it('gives the same values on 1 and 2 threads (within the rounding bound)', () => {
    const m = 150, n = 170, k = 190;
    const A = rand(m * k, 5), B = rand(k * n, 6);
    const c1 = withThreads(1, () => gemm({ a: A, b: B, m, n, k, backend: index }));
    const c2 = withThreads(2, () => gemm({ a: A, b: B, m, n, k, backend: index }));
    const { want, scale } = reference({ m, n, k, transA: false, transB: false, alpha: 1, beta: 0, pad: 0 }, A, B, c1, k, n, n);
    const tol = scale.map((s) => (k + 4) * 2 ** -23 * s);
    expectWithin(c1, want, tol, '1 thread');
    expectWithin(c2, want, tol, '2 threads');
  });
});

describe('gemm TS wrapper', () => {
  it('derives leading dimensions and allocates C', () => {
    // op(A) = Aᵀ with A stored (k=2, m=3); op(B) = B (2,2).
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([1, 0, 0, 1]);
    const c = gemm({ a, b, m: 3, n: 2, k: 2, transA: true });
    expect(Array.from(c)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('accumulates with beta = 1 into a given C', () => {
    const c = new Float32Array([10, 20, 30, 40]);
    gemm({ a: new Float32Array([1, 2, 3, 4]), b: new Float32Array([1, 1, 1, 1]), c, m: 2, n: 2, k: 2, beta: 1, alpha: 2 });
    expect(Array.from(c)).toEqual([16, 26, 44, 54]);
  });

  it('accepts a backend by name', () => {
    const c = gemm({ a: new Float32Array([2]), b: new Float32Array([3]), m: 1, n: 1, k: 1, backend: 'reference' });
    expect(c[0]).toBe(6);
  });
});
