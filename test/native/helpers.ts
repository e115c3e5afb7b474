// Shared test utilities for the kernel tests: the raw addon, the backends to iterate over,
// deterministic data, float64 comparisons and central finite differences.
import { expect } from 'vitest';
import { loadAddon } from '../../src/native.js';

export const addon = loadAddon();
export const info = addon.backendInfo();

/** Every backend the binding can drive with host buffers (device backends take device memory). */
export const hostBackends: { name: string; index: number }[] = info.backends
  .map((name, index) => ({ name, index }))
  .filter((b) => !b.name.startsWith('cuda'));

/** Deterministic uniform values in [lo, hi) (mulberry32), as float32. */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

/**
 * Asserts |got - want| <= atol + rtol·|want| elementwise; on failure reports the worst element,
 * so a failing test says where and by how much.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what = ''): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const excess = err - (atol + rtol * Math.abs(want[i]));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${got[worst]}, expected ${want[worst]} ` +
      `(atol ${atol}, rtol ${rtol})`);
  }
}

/** Like expectClose, with a per-element absolute tolerance. */
export function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, tol: ArrayLike<number>, what = ''): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol[i])) {
      expect.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]} ± ${tol[i]}`);
    }
  }
}

/**
 * Central finite differences of f with respect to x, in float64 over whatever f evaluates
 * (the kernels' own float32 forward): grad[i] = (f(x + h·e_i) − f(x − h·e_i)) / 2h.
 * x is restored afterwards.
 */
export function finiteDiff(x: Float32Array, h: number, f: () => number): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    x[i] = x0 + h;
    const xp = x[i];
    const fp = f();
    x[i] = x0 - h;
    const xm = x[i];
    const fm = f();
    x[i] = x0;
    // Divide by the step float32 actually took, not the nominal h.
    grad[i] = (fp - fm) / (xp - xm);
  }
  return grad;
}

/** Σ a·b in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Runs fn with the CPU kernels on `n` threads, restoring the previous count. */
export function withThreads<T>(n: number, fn: () => T): T {
  const before = addon.getNumThreads();
  addon.setNumThreads(n);
  try {
    return fn();
  } finally {
    addon.setNumThreads(before);
  }
}

/** Bitwise equality of two float arrays (NaN-safe), for determinism checks. */
export function expectBitwiseEqual(a: Float32Array, b: Float32Array, what = ''): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) expect.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}
