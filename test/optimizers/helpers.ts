// Shared by the optimizer tests: the raw addon, the host backends and a float64 comparison.
import { expect } from 'vitest';
import { loadAddon } from '../../src/native.js';
import type { OptimizerContext } from '../../src/optimizers/index.js';

export const addon = loadAddon();

/** Every backend that takes host buffers (device backends take device memory). */
export const hostBackends: { name: string; index: number }[] = addon.backendInfo().backends
  .map((name, index) => ({ name, index }))
  .filter((b) => !b.name.startsWith('cuda'));

export function ctxFor(backend: number): OptimizerContext {
  return { addon, backend };
}

/** |got − want| <= atol + rtol·|want| elementwise, reporting the worst element. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what = ''): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1, worstExcess = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
    if (!(excess <= worstExcess)) { worst = i; worstExcess = excess; }
  }
  if (worst >= 0 && !(worstExcess <= 0))
    expect.fail(`${what}: element ${worst} is ${got[worst]}, expected ${want[worst]} (atol ${atol}, rtol ${rtol})`);
}
