/**
 * Argument checks shared by every validated native wrapper (src/native.ts, src/nativeConv.ts), so
 * all of them report bad input in one format. They allocate nothing unless a check fails.
 */
import { ShapeError, ValueError, expectedMessage } from './errors.js';

type F32 = Float32Array;

export function where(op: string, name: string): string {
  return `${op}: argument "${name}"`;
}

export function isDetached(a: F32): boolean {
  if (a.byteLength !== 0) return false;
  // Node 20 lacks ArrayBuffer.prototype.detached; slice throws on a detached buffer.
  try {
    a.buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/** Checks that `v` is a usable Float32Array of at least `min` elements and returns it. */
export function floats(op: string, name: string, v: unknown, min: number): F32 {
  if (!(v instanceof Float32Array)) throw new ValueError(expectedMessage(where(op, name), 'a Float32Array', v));
  if (v.length < min || (v.length === 0 && isDetached(v))) {
    if (isDetached(v)) throw new ValueError(expectedMessage(where(op, name), 'a Float32Array that is not detached', 'a detached Float32Array'));
    throw new ShapeError(expectedMessage(where(op, name), `a Float32Array of at least ${min} elements`, v));
  }
  return v;
}

/** Like floats(), but an omitted output is allocated (zero-filled) with exactly `min` elements. */
export function output(op: string, name: string, v: unknown, min: number): F32 {
  if (v !== undefined) return floats(op, name, v, min);
  try {
    return new Float32Array(min);
  } catch {
    throw new ShapeError(expectedMessage(where(op, name), `a new Float32Array of ${min} elements`, v, 'The sizes are too large.'));
  }
}

export function optionalFloats(op: string, name: string, v: unknown, min: number): F32 | null {
  return v === undefined || v === null ? null : floats(op, name, v, min);
}

export function size(op: string, name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new ValueError(expectedMessage(where(op, name), 'a non-negative integer', v));
}

export function finite(op: string, name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
  const range = min === -Infinity && max === Infinity ? 'a finite number' : `a number in [${min}, ${max}]`;
  throw new ValueError(expectedMessage(where(op, name), range, v));
}

export function bool(op: string, name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw new ValueError(expectedMessage(where(op, name), 'a boolean', v));
}

export function seedValue(op: string, name: string, v: unknown): number | bigint {
  if (typeof v === 'bigint' ? v >= 0n && v < 1n << 64n : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)
    return v as number | bigint;
  throw new ValueError(expectedMessage(where(op, name), 'a non-negative safe integer or a BigInt in [0, 2^64)', v));
}

/** Elements a (rows, cols) row-major matrix with leading dimension ld spans. */
export function span(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}
