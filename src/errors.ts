/**
 * Typed errors thrown at kerno's API boundary. Every message has one format:
 * `<where> expected <what>, received <what>.` plus an optional hint, so users can tell which
 * argument was wrong, what was expected and what they passed.
 */

/** Base class of every error kerno throws on purpose. */
export class KernoError extends Error {
  override name = 'KernoError';
}

/** An argument of the wrong type or outside its domain. */
export class ValueError extends KernoError {
  override name = 'ValueError';
}

/** Tensors or buffers whose shapes or lengths do not fit together. */
export class ShapeError extends KernoError {
  override name = 'ShapeError';
}

/** A failure reported by the native kernels (out of memory, device error, internal error). */
export class NativeError extends KernoError {
  override name = 'NativeError';
  /** The native status name, e.g. `'out of memory'`. */
  readonly status: string;
  /** The native status code, e.g. `'KERNO_ERR_OUT_OF_MEMORY'`. */
  readonly code: string;
  constructor(message: string, status: string, code = 'KERNO_ERR_INTERNAL') {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Describes a received value briefly for error messages (type, and value or length). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `${value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 37) + '...' : value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return `${value}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const n = (value as { length?: number }).length ?? value.byteLength;
    return `a ${value.constructor.name} of length ${n}`;
  }
  if (typeof value === 'function') return 'a function';
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/** `${where} expected ${expected}, received ${describe(received)}.` */
export function expectedMessage(where: string, expected: string, received: unknown, hint?: string): string {
  return `${where} expected ${expected}, received ${describe(received)}.${hint ? ' ' + hint : ''}`;
}
