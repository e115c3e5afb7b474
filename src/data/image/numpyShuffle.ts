/**
 * `np.random.RandomState(seed).shuffle(list)`, bit for bit: the MT19937 generator with numpy's
 * legacy integer seeding (Knuth's init_genrand) and its Fisher–Yates shuffle, which draws each
 * swap index with `random_interval` (a 32-bit draw masked to the next power of two, redrawn until
 * it is in range). Keras's image_dataset_from_directory shuffles its global file list this way
 * before cutting the validation split, so reproducing it gives the same training/validation files
 * as Keras for the same seed.
 */
const N = 624;
const M = 397;

class MT19937 {
  readonly #mt = new Uint32Array(N);
  #i = N;

  constructor(seed: number) {
    const mt = this.#mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i (mod 2^32), split so the product stays exact in doubles.
      mt[i] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
  }

  next32(): number {
    const mt = this.#mt;
    if (this.#i >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.#i = 0;
    }
    let y = mt[this.#i++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** numpy's random_interval(max) for max < 2^32. */
function interval(g: MT19937, max: number): number {
  if (max === 0) return 0;
  let mask = max;
  mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
  mask >>>= 0;
  let v: number;
  do v = (g.next32() & mask) >>> 0; while (v > max);
  return v;
}

/**
 * Shuffles `items` in place exactly as `np.random.RandomState(seed).shuffle(items)`.
 * @param seed - An integer in [0, 2^32), as numpy requires.
 */
export function numpyShuffle<T>(items: T[], seed: number): T[] {
  const g = new MT19937(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = interval(g, i);
    const t = items[i]; items[i] = items[j]; items[j] = t;
  }
  return items;
}
