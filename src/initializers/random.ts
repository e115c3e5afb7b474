/**
 * Shared by the random initializers (internal): validation of the weight buffer, the seed rule of
 * an initializer's own `seed` option, and the native Philox draw.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { loadAddon, resolveBackend, rethrowNative } from '../native.js';
import { deriveSeed } from '../random.js';

/** kerno_distribution numbers (kernels.h). */
export const UNIFORM = 0, NORMAL = 1, TRUNCATED_NORMAL = 2;

/** Checks `shape` (non-negative integers) against `out` and returns the element count. */
export function checkFill(className: string, out: Float32Array, shape: readonly number[]): number {
  const where = `${className}.fill`;
  if (!(out instanceof Float32Array)) throw new ValueError(expectedMessage(`${where}: argument "out"`, 'a Float32Array', out));
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new ValueError(expectedMessage(`${where}: argument "shape"`, 'an array of non-negative integers', shape));
  const n = shape.reduce((a, b) => a * b, 1);
  if (out.length !== n)
    throw new ShapeError(expectedMessage(`${where}: argument "out"`, `${n} elements for shape [${shape.join(', ')}]`, out));
  return n;
}

/** Validates an initializer's own `seed` option (undefined: the model's per-weight seed is used). */
export function checkSeedOption(className: string, seed: unknown): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0) return seed;
  throw new ValueError(expectedMessage(`${className}: option "seed"`, 'a non-negative safe integer', seed));
}

/** Validates a finite number option. */
export function finiteOption(className: string, name: string, v: unknown, min = -Infinity): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= min) return v;
  throw new ValueError(expectedMessage(`${className}: option "${name}"`, min === -Infinity ? 'a finite number' : `a finite number >= ${min}`, v));
}

/**
 * Fills `out` from the native stream. An initializer's own `seed` wins over the model's
 * per-weight seed, as in Keras, where a seeded initializer gives the same values on every call.
 */
export function draw(out: Float32Array, dist: number, a: number, b: number, weightSeed: bigint, ownSeed: number | undefined): void {
  const seed = ownSeed === undefined ? weightSeed : deriveSeed(ownSeed, 'initializer');
  if (typeof seed !== 'bigint' || seed < 0n || seed >= 1n << 64n)
    throw new ValueError(expectedMessage('Initializer.fill: argument "seed"', 'a BigInt in [0, 2^64)', seed));
  if (out.length === 0) return;
  try {
    loadAddon().rngFill(resolveBackend(undefined), out, dist, a, b, seed, 0);
  } catch (e) {
    rethrowNative(e);
  }
}
