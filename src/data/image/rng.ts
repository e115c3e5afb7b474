/**
 * The random streams of the image pipeline. Each stream is xoshiro128** seeded from a 64-bit
 * key made with `deriveSeed` (src/random.ts) — per image, from the epoch's key and the image's
 * position (`new Rng(epochKey, position)`) — so every draw is a pure function of
 * (iterator seed, purpose, epoch, position): a batch's shuffle order and its images'
 * augmentations do not depend on how many decodes ran concurrently or in which order they ended.
 * Keras draws from numpy's global state instead; those draws cannot be reproduced and are not
 * meant to be.
 */
import { deriveSeed } from '../../random.js';

export class Rng {
  #a: number; #b: number; #c: number; #d: number;

  /**
   * The stream of `key`, or with `index` the stream for item `index` under `key`, derived without
   * BigInt arithmetic (deriveSeed per image costs ~15 µs): the key's two words and the index go
   * through murmur3's 32-bit finaliser into the four state words, then 8 steps are discarded.
   */
  constructor(key: bigint, index?: number) {
    const lo = Number(key & 0xffffffffn) | 0, hi = Number((key >> 32n) & 0xffffffffn) | 0;
    if (index !== undefined) {
      this.#a = this.#b = this.#c = this.#d = 0;
      this.#seed(lo, hi, index);
      return;
    }
    const k2 = deriveSeed(key, 1);
    this.#a = lo;
    this.#b = hi;
    this.#c = Number(k2 & 0xffffffffn) | 0;
    this.#d = Number((k2 >> 32n) & 0xffffffffn) | 0;
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
  }

  #seed(lo: number, hi: number, index: number): void {
    const i = index | 0, j = Math.floor(index / 4294967296) | 0;
    this.#a = fmix(lo ^ Math.imul(i, 0x9e3779b9));
    this.#b = fmix(hi + Math.imul(i ^ j, 0x85ebca6b));
    this.#c = fmix((lo + 0x7f4a7c15) ^ Math.imul(j + 1, 0xc2b2ae35) ^ i);
    this.#d = fmix(hi ^ 0x165667b1 ^ Math.imul(i + 0x27d4eb2f, 0x27d4eb2d));
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
    for (let k = 0; k < 8; k++) this.#next();
  }

  #next(): number {
    const r = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a; this.#d ^= this.#b; this.#b ^= this.#c; this.#a ^= this.#d;
    this.#c ^= t; this.#d = rotl(this.#d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    return ((this.#next() >>> 5) * 67108864 + (this.#next() >>> 6)) / 9007199254740992;
  }

  /** Uniform in [lo, hi) (numpy's `uniform(lo, hi)`). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Fisher–Yates in place. */
  shuffle(idx: Int32Array): void {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = idx[i]; idx[i] = idx[j]; idx[j] = t;
    }
  }
}

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** 0..n-1, shuffled with `key` when given. */
export function permutation(n: number, key: bigint | undefined): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (key !== undefined) new Rng(key).shuffle(idx);
  return idx;
}
