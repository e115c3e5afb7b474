// Branch-free float maths that GCC vectorises, shared by the elementwise activations
// (activation.cc) and softmax (softmax.cc).
//
// Why not <cmath>: one libm call in a loop stops GCC from vectorising it, and a `?:` whose arm
// holds a floating-point op stays a branch. Everything here is straight-line float and integer
// arithmetic on the SSE2 baseline (the library is built without -march, so no FMA contraction or
// SSE4.1 rounding), which GCC turns into packed code when these are inlined into a loop.
//
// Accuracy, measured against double-precision exp over every float input:
//  - fast_exp: < 1 ulp (max 0.99) wherever the result is a normal float; where it is subnormal,
//    within 0.75 of the smallest subnormal step (the product p·2^n is rounded once).
//  - fast_exp_nonpos: bit-for-bit the same as fast_exp for x in (-87, 0]; +0 below (see there).
// Both propagate NaN. When the N-API binding runs a kernel, denormals are flushed to zero (FTZ),
// so the subnormal results above then read as +0.
#pragma once

#include <cstdint>
#include <cstring>

namespace kerno {

inline float bits_to_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}
inline int32_t float_to_bits(float f) {
  int32_t i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}

// `c ? a : b`, with both values computed first. GCC will not if-convert a `c ? x : a*x` whose arm
// holds a floating-point op (under its default -ftrapping-math that op might trap), and the branch
// then blocks vectorisation; going through integer bit masks keeps both arms unconditional. Exact
// for every input, NaN payloads and signed zeros included (it moves bits, never rounds).
inline float pick(bool c, float a, float b) {
  int32_t m = -static_cast<int32_t>(c);
  return bits_to_float((float_to_bits(a) & m) | (float_to_bits(b) & ~m));
}

// e^xc = p · 2^n, for xc already clamped by the caller to [-104, 89] so that n stays within
// [-150, 128]. n = round(xc/ln2) by the 1.5·2^23 trick (floor/rint would need SSE4.1 to
// vectorise); r = xc − n·ln2 in two parts (Cody–Waite: 0.693359375 has few bits, so n·it is
// exact and r loses nothing); p = e^r for |r| ≤ ln2/2 by the Cephes expf polynomial.
struct ExpReduced {
  float p;
  int32_t n;
};
inline ExpReduced exp_reduce(float xc) {
  const float kShift = 12582912.f;  // 1.5·2^23: adding it rounds to an integer
  float t = xc * 1.44269504088896341f + kShift;
  int32_t n = float_to_bits(t) - float_to_bits(kShift);
  float fn = t - kShift;
  float r = xc - fn * 0.693359375f + fn * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  return {p, n};
}

// exp(x) for any float x. Valid range: all of it. x is clamped to [-104, 89] (the result there
// is already +0 or +Inf), and 2^n is applied in two halves because 2^n alone is not a float at
// either end: so x > 88.72 gives +Inf and x in (-103.97, -87.34) a correctly scaled subnormal.
inline float fast_exp(float x) {
  float xc = pick(x > -104.f, x, -104.f);
  xc = pick(xc < 89.f, xc, 89.f);
  ExpReduced e = exp_reduce(xc);
  int32_t n1 = e.n >> 1, n2 = e.n - n1;
  float y = e.p * bits_to_float((n1 + 127) << 23) * bits_to_float((n2 + 127) << 23);
  return pick(x != x, x, y);
}

// exp(x) for x ≤ 0 (softmax's x − max), one multiply cheaper than fast_exp. Valid range:
// x ≤ 88 (beyond that 2^n overflows the exponent field and the result is garbage; softmax never
// gets there). x ≤ -87 gives +0 rather than a subnormal: after the division by the row sum (≥ 1)
// such a term would be below every normal float anyway.
inline float fast_exp_nonpos(float x) {
  float xc = pick(x > -87.f, x, -87.f);
  ExpReduced e = exp_reduce(xc);
  float y = e.p * bits_to_float((e.n + 127) << 23);
  y = pick(x > -87.f, y, 0.f);
  return pick(x != x, x, y);
}

}  // namespace kerno
