/**
 * Option checks for the image pipeline, with kerno's one message format
 * (`<where> expected <what>, received <what>.`). Unknown option names are rejected so a Python
 * spelling (`rotation_range`) or a typo does not silently do nothing.
 */
import { ValueError, expectedMessage } from '../../errors.js';

export function opt(method: string, name: string): string {
  return `${method}: option "${name}"`;
}

export function options<T extends object>(v: unknown, method: string, known: readonly string[]): T {
  if (v === undefined) return {} as T;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ValueError(expectedMessage(`${method}: argument "args"`, 'an options object', v));
  }
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) {
      throw new ValueError(expectedMessage(`${method}: options`, `only known option names (${known.join(', ')})`, k));
    }
  }
  return v as T;
}

export function oneOf<T extends string | null>(where: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if ((allowed as readonly unknown[]).includes(v)) return v as T;
  throw new ValueError(expectedMessage(where, `one of ${allowed.map((a) => (a === null ? 'null' : `'${a}'`)).join(', ')}`, v));
}

export function bool(where: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  throw new ValueError(expectedMessage(where, 'a boolean', v));
}

export function finite(where: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new ValueError(expectedMessage(where, 'a finite number', v));
}

export function nonNegative(where: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  throw new ValueError(expectedMessage(where, 'a finite number ≥ 0', v));
}

export function positiveInt(where: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return v;
  throw new ValueError(expectedMessage(where, 'a positive integer', v));
}

/** A seed: a non-negative integer below 2^32 (numpy's RandomState range), or undefined. */
export function seedOf(where: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  throw new ValueError(expectedMessage(where, 'an integer in [0, 2^32)', v));
}

/** A pair of finite numbers `[a, b]`. */
export function pair(where: string, v: unknown): [number, number] {
  if (Array.isArray(v) && v.length === 2 && v.every((e) => typeof e === 'number' && Number.isFinite(e))) return [v[0], v[1]];
  throw new ValueError(expectedMessage(where, 'an array of two finite numbers', v));
}

/** `[height, width]` of positive integers. */
export function size2(where: string, v: unknown, dflt: [number, number]): [number, number] {
  if (v === undefined) return dflt;
  if (Array.isArray(v) && v.length === 2 && v.every((e) => typeof e === 'number' && Number.isSafeInteger(e) && e >= 1)) return [v[0], v[1]];
  throw new ValueError(expectedMessage(where, 'an array [height, width] of two positive integers', v));
}

/** validationSplit in [0, 1): 0 means none (Keras raises unless 0 < v < 1 when it is set). */
export function split(where: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && v >= 0 && v < 1) return v;
  throw new ValueError(expectedMessage(where, 'a number in [0, 1) (0 for no split)', v));
}

/** How a file that cannot be decoded is handled. */
export type InvalidImagePolicy = 'skip' | 'throw';
export const INVALID_IMAGE_POLICIES: readonly InvalidImagePolicy[] = ['skip', 'throw'];

/** `<where> expected <expected>, received <received>.` with `received` already worded (not abbreviated). */
export function worded(where: string, expected: string, received: string, hint?: string): string {
  return `${where} expected ${expected}, received ${received}.${hint ? ' ' + hint : ''}`;
}
