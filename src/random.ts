/**
 * Global seeding (Keras `keras.utils.set_random_seed`) and the rule that turns one seed into the
 * 64-bit keys of kerno's counter-based (Philox) random streams.
 *
 * The rule, so that a run can be reproduced from its seed alone:
 * - The global seed `s` is what `setSeed(s)` set, or else a 53-bit value drawn once per process
 *   from crypto randomness (`getSeed()` returns it, so a lucky run can be replayed).
 * - `nextSeed()` draws the k-th key of the global stream, `deriveSeed(s, 'draw', k)`, with k
 *   counting from 0 after each `setSeed`. A model draws one key when it is built, so two models
 *   built after one `setSeed` differ, and calling `setSeed` again repeats them (as in Keras).
 * - A weight's key is `weightSeed(modelKey, layerIndex, weightName)` =
 *   `deriveSeed(modelKey, 'weight', layerIndex, weightName)`; a layer with its own `seed` option
 *   uses `layerKey(seed)` = `deriveSeed(seed, 'layer')` as its model key.
 * - A layer's random stream (dropout) has the key `layerStream(modelKey, layerIndex)` =
 *   `deriveSeed(modelKey, 'stream', layerIndex)` (or `layerKey(seed)` with its own seed), and
 *   training step t draws from `stepSeed(streamKey, t)` = `deriveSeed(streamKey, 'step', t)`
 *   starting at offset 0, so each step's mask depends only on (key, layer, step) — not on the
 *   batch sizes that came before, on thread count or on the backend.
 *
 * `deriveSeed` hashes its parts with SplitMix64's finaliser (strings first through 64-bit
 * FNV-1a of their UTF-8 bytes); the mapping is part of kerno's reproducibility contract and must
 * not change between releases without a note.
 */
import { webcrypto } from 'node:crypto';
import { ValueError, expectedMessage } from './errors.js';

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

let globalSeed: number | undefined;
let draws = 0;

/** SplitMix64's output function: a bijection on 64-bit integers with good avalanche. */
function mix64(x: bigint): bigint {
  let z = x & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

const utf8 = new TextEncoder();

/** 64-bit FNV-1a of the UTF-8 bytes of `s`. */
function hashString(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of utf8.encode(s)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & MASK64;
  return h;
}

/** A part of a derivation: a string, or a non-negative safe integer / BigInt below 2^64. */
export type SeedPart = string | number | bigint;

function partValue(p: SeedPart, i: number): bigint {
  if (typeof p === 'string') return hashString(p);
  if (typeof p === 'bigint' && p >= 0n && p <= MASK64) return p;
  if (typeof p === 'number' && Number.isSafeInteger(p) && p >= 0) return BigInt(p);
  throw new ValueError(expectedMessage(`deriveSeed: part ${i}`, 'a string, a non-negative safe integer or a BigInt in [0, 2^64)', p));
}

/**
 * A 64-bit key derived deterministically from `base` and `parts` (see the module comment).
 * Different part lists give unrelated keys.
 */
export function deriveSeed(base: number | bigint, ...parts: readonly SeedPart[]): bigint {
  let h = mix64(partValue(base, 0) + GOLDEN);
  for (let i = 0; i < parts.length; i++) {
    // Tagging strings keeps deriveSeed(s, '7') and deriveSeed(s, 7) apart.
    const tag = typeof parts[i] === 'string' ? 0x5bd1e995n : 0n;
    h = mix64((h ^ partValue(parts[i], i + 1)) + GOLDEN + tag);
  }
  return h;
}

function checkSeed(where: string, n: unknown): number {
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  throw new ValueError(expectedMessage(where, 'a non-negative safe integer', n));
}

/**
 * Sets the global seed (Keras `keras.utils.set_random_seed`): weight initialisation, dropout and
 * shuffling of models built afterwards become reproducible. Also restarts the global stream, so
 * models built after two calls with the same seed are identical.
 *
 * @param seed - A non-negative safe integer.
 * @throws ValueError for anything else.
 */
export function setSeed(seed: number): void {
  globalSeed = checkSeed('setSeed: argument "seed"', seed);
  draws = 0;
}

/**
 * The global seed: the last `setSeed` value, or the random seed this process drew when none was
 * set (pass it to `setSeed` to reproduce the run).
 */
export function getSeed(): number {
  if (globalSeed === undefined) {
    const [hi, lo] = webcrypto.getRandomValues(new Uint32Array(2));
    // 53 bits: the result stays a safe integer that setSeed accepts.
    globalSeed = (hi & 0x1fffff) * 2 ** 32 + lo;
  }
  return globalSeed;
}

/** The next key of the global stream (one per model build, or per shuffle generator). */
export function nextSeed(): bigint {
  return deriveSeed(getSeed(), 'draw', draws++);
}

/** The model key of a layer that has its own `seed` option. */
export function layerKey(seed: number): bigint {
  return deriveSeed(checkSeed('layer option "seed"', seed), 'layer');
}

/** The key a weight's initializer draws with. */
export function weightSeed(modelKey: bigint, layerIndex: number, weightName: string): bigint {
  return deriveSeed(modelKey, 'weight', layerIndex, weightName);
}

/** The key of layer `layerIndex`'s random stream (dropout) in a model with key `modelKey`. */
export function layerStream(modelKey: bigint, layerIndex: number): bigint {
  return deriveSeed(modelKey, 'stream', layerIndex);
}

/** The key of a layer's random stream for one training step (dropout); use offset 0. */
export function stepSeed(layerKey: bigint, step: number): bigint {
  return deriveSeed(layerKey, 'step', step);
}
