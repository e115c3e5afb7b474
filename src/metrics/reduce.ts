/**
 * Sums that reproduce numpy's floating-point results bit for bit, so that averaged scores equal
 * sklearn's exactly (not just within a tolerance): numpy reduces a contiguous float64 array with
 * pairwise summation (8 accumulators, blocks of 128), which differs from a left-to-right loop in
 * the last bits.
 */

/** numpy's `pairwise_sum` over `a[start .. start+n)` (numpy/_core/src/umath/loops_utils.h.src). */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean(a)`: pairwise sum divided by the count. */
export function mean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}

/**
 * sklearn's `_average(a, weights)`: `sum(a·w) / sum(w)`, both pairwise. Returns `null` when the
 * weights sum to zero (sklearn raises ZeroDivisionError there and callers pick a fallback).
 */
export function weightedAverage(a: ArrayLike<number>, w: ArrayLike<number>): number | null {
  const prod = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) prod[i] = a[i] * w[i];
  const scale = pairwiseSum(w);
  if (scale === 0) return null;
  return pairwiseSum(prod) / scale;
}
