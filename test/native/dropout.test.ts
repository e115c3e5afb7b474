// Inverted dropout through the binding on every host backend: the mask follows the documented
// keep rule (element i kept iff the uniform rngFill number at (seed, offset + i) is ≥ rate, kept
// values scaled by 1/(1 − rate)), is identical across backends, thread counts and split calls,
// and backward is dout·mask, checked against central finite differences too.
//
// Tolerances: out = inp·mask and dinp += dout·mask are single float32 products, checked exactly
// against the same products in float32 (Math.fround). Finite differences: f = Σ out·r is linear
// in inp; h = 1e-2, atol 1e-3 (f rounds at ≈ 1e-6·Σ|out·r| ≈ 1e-5, over 2h).
import { describe, expect, it } from 'vitest';
import { rngFill } from '../../src/native.js';
import { dropoutBackward, dropoutForward } from '../../src/nativeLayers.js';
import { dot, expectBitwiseEqual, expectClose, finiteDiff, hostBackends, rand, withThreads } from './helpers.js';

const N = 1000, rate = 0.3, seed = 1234567890123n, offset = 77;
const scale = Math.fround(1 / (1 - rate));

describe.each(hostBackends)('dropout on $name', ({ index }) => {
  const x = rand(N, 71), r = rand(N, 72);

  it('keeps exactly the elements whose uniform number is >= rate, scaled by 1/(1 - rate)', () => {
    const u = rngFill(new Float32Array(N), { distribution: 'uniform', seed, offset, backend: 'reference' });
    const { out, mask } = dropoutForward({ inp: x, rate, seed, offset, backend: index });
    const wantMask = Float32Array.from(u, (v) => (v >= Math.fround(rate) ? scale : 0));
    expectBitwiseEqual(mask, wantMask, 'mask');
    expectBitwiseEqual(out, Float32Array.from(x, (v, i) => Math.fround(v * wantMask[i])), 'out');
    const kept = mask.filter((m) => m !== 0).length;
    // Binomial(1000, 0.7): sd ≈ 14.5; 5 sd either side.
    expect(kept).toBeGreaterThan(700 - 73);
    expect(kept).toBeLessThan(700 + 73);
  });

  it('is reproducible across backends, thread counts and split calls', () => {
    const ref = dropoutForward({ inp: x, rate, seed, offset, backend: 'reference' });
    const one = withThreads(1, () => dropoutForward({ inp: x, rate, seed, offset, backend: index }));
    const two = withThreads(2, () => dropoutForward({ inp: x, rate, seed, offset, backend: index }));
    expectBitwiseEqual(one.mask, ref.mask, '1 thread');
    expectBitwiseEqual(two.mask, ref.mask, '2 threads');
    // Elements [0, 333) then [333, N) with the offset advanced by 333 give the same stream.
    const a = dropoutForward({ inp: x.subarray(0, 333), rate, seed, offset, backend: index });
    const b = dropoutForward({ inp: x.subarray(333), rate, seed, offset: BigInt(offset + 333), backend: index });
    expectBitwiseEqual(Float32Array.of(...a.mask, ...b.mask), ref.mask, 'split');
    const other = dropoutForward({ inp: x, rate, seed: seed + 1n, offset, backend: index });
    expect(Array.from(other.mask)).not.toEqual(Array.from(ref.mask));
  });

  it('rate 0 is the identity', () => {
    const { out, mask } = dropoutForward({ inp: x, rate: 0, seed: 1, backend: index });
    expectBitwiseEqual(out, x, 'out');
    expect(mask.every((m) => m === 1)).toBe(true);
  });

  it('backward accumulates dout·mask and agrees with finite differences', () => {
    const { mask } = dropoutForward({ inp: x, rate, seed, offset, backend: index });
    const dinp0 = rand(N, 73);
    const dinp = dropoutBackward({ dout: r, mask, dinp: dinp0.slice(), backend: index });
    expectBitwiseEqual(dinp, Float32Array.from(r, (g, i) => dinp0[i] + Math.fround(g * mask[i])), 'dinp');
    const xx = x.slice(), out = new Float32Array(N), m = new Float32Array(N);
    const f = () => dot(dropoutForward({ inp: xx, rate, seed, offset, out, mask: m, backend: index }).out, r);
    expectClose(dropoutBackward({ dout: r, mask, backend: index }), finiteDiff(xx, 1e-2, f), 1e-3, 0, 'dinp vs FD');
  });
});
