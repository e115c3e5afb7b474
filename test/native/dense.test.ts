// Dense forward/backward through the binding on every backend: float64 reference values and
// central finite differences of f = Σ out·r over the kernel's own forward.
//
// Tolerances: forward and analytic gradients are float32 dot products of length ≤ 40 with
// |values| ≤ 1, checked at atol 2e-5 + rtol 2e-5 against float64. Finite differences use
// h = 1e-2; f is linear in each argument, so the only error is float32 rounding of f (about
// 1e-6·Σ|out·r| ≈ 1e-5) divided by 2h, hence atol 2e-3.
import { describe, expect, it } from 'vitest';
import { denseBackward, denseForward } from '../../src/native.js';
import { addon, dot, expectClose, finiteDiff, hostBackends, rand } from './helpers.js';

const B = 5, I = 7, U = 6;

function forward64(inp: Float32Array, kernel: Float32Array, bias: Float32Array | null): Float64Array {
  const out = new Float64Array(B * U);
  for (let b = 0; b < B; b++)
    for (let u = 0; u < U; u++) {
      let s = bias ? bias[u] : 0;
      for (let i = 0; i < I; i++) s += inp[b * I + i] * kernel[i * U + u];
      out[b * U + u] = s;
    }
  return out;
}

describe.each(hostBackends)('dense on $name', ({ index }) => {
  const inp = rand(B * I, 11), kernel = rand(I * U, 12), bias = rand(U, 13), r = rand(B * U, 14);

  it('forward matches float64 with and without bias', () => {
    const out = new Float32Array(B * U).fill(NaN);
    addon.denseForward(index, out, inp, kernel, bias, B, I, U);
    expectClose(out, forward64(inp, kernel, bias), 2e-5, 2e-5, 'with bias');
    addon.denseForward(index, out, inp, kernel, null, B, I, U);
    expectClose(out, forward64(inp, kernel, null), 2e-5, 2e-5, 'without bias');
  });

  it('backward matches the float64 formulas and accumulates', () => {
    const dinp = rand(B * I, 21), dkernel = rand(I * U, 22), dbias = rand(U, 23);
    const want = { dinp: Float64Array.from(dinp), dkernel: Float64Array.from(dkernel), dbias: Float64Array.from(dbias) };
    for (let b = 0; b < B; b++)
      for (let u = 0; u < U; u++) {
        const g = r[b * U + u];
        want.dbias[u] += g;
        for (let i = 0; i < I; i++) {
          want.dinp[b * I + i] += g * kernel[i * U + u];
          want.dkernel[i * U + u] += inp[b * I + i] * g;
        }
      }
    addon.denseBackward(index, dinp, dkernel, dbias, r, inp, kernel, B, I, U);
    expectClose(dinp, want.dinp, 2e-5, 2e-5, 'dinp');
    expectClose(dkernel, want.dkernel, 2e-5, 2e-5, 'dkernel');
    expectClose(dbias, want.dbias, 2e-5, 2e-5, 'dbias');
  });

  it('backward gradients agree with finite differences of the forward kernel', () => {
    const x = inp.slice(), w = kernel.slice(), bb = bias.slice();
    const out = new Float32Array(B * U);
    const f = () => {
      addon.denseForward(index, out, x, w, bb, B, I, U);
      return dot(out, r);
    };
    const dinp = new Float32Array(B * I), dkernel = new Float32Array(I * U), dbias = new Float32Array(U);
    addon.denseBackward(index, dinp, dkernel, dbias, r, x, w, B, I, U);
    expectClose(dinp, finiteDiff(x, 1e-2, f), 2e-3, 0, 'dinp vs FD');
    expectClose(dkernel, finiteDiff(w, 1e-2, f), 2e-3, 0, 'dkernel vs FD');
    expectClose(dbias, finiteDiff(bb, 1e-2, f), 2e-3, 0, 'dbias vs FD');
  });

  it('skips null gradient buffers and computes the others', () => {
    const dkernel = new Float32Array(I * U);
    addon.denseBackward(index, null, dkernel, null, r, inp, kernel, B, I, U);
    const full = new Float32Array(I * U);
    addon.denseBackward(index, new Float32Array(B * I), full, new Float32Array(U), r, inp, kernel, B, I, U);
    expectClose(dkernel, full, 1e-6, 1e-6, 'dkernel alone');
  });

  it('handles larger batches that cross SIMD and thread boundaries', () => {
    const b = 67, i = 129, u = 33;
    const x = rand(b * i, 31), w = rand(i * u, 32), bi = rand(u, 33);
    const out = denseForward({ inp: x, kernel: w, bias: bi, batch: b, inputs: i, units: u, backend: index });
    const want = new Float64Array(b * u);
    for (let p = 0; p < b; p++)
      for (let q = 0; q < u; q++) {
        let s = bi[q];
        for (let t = 0; t < i; t++) s += x[p * i + t] * w[t * u + q];
        want[p * u + q] = s;
      }
    // Length-129 dot products: the γ bound is about 131·2⁻²⁴·129 ≈ 1e-3 at worst.
    expectClose(out, want, 1e-4, 1e-4, 'large forward');
  });
});

describe('dense TS wrappers', () => {
  it('forward allocates out and backward fills only what is asked', () => {
    const inp = new Float32Array([1, 2]), kernel = new Float32Array([3, 4]);
    const out = denseForward({ inp, kernel, bias: new Float32Array([0.5]), batch: 2, inputs: 1, units: 1 });
    expect(Array.from(out)).toEqual([3.5, 6.5]);
    const dkernel = new Float32Array(2);
    denseBackward({ dout: new Float32Array([1, 1]), inp: new Float32Array([1, 2, 3, 4]), kernel: new Float32Array(4),
      dkernel, batch: 2, inputs: 2, units: 1 });
    // dkernel (I=2, U=1) = inpᵀ·dout = [1+3, 2+4].
    expect(Array.from(dkernel)).toEqual([4, 6]);
  });
});
