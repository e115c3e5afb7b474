// Row-wise softmax, forward and backward. R = rows, C = columns (the softmax axis, last).
//
// Forward subtracts the row maximum before exp, so any finite logits (±300, ±1e30) give a
// finite distribution. A NaN anywhere in a row makes the whole row NaN, as in TensorFlow.
// Backward uses the forward output y: dinp += y ⊙ (dout − Σ_c dout·y).
//
// The fast version vectorises the row loops (its own branch-free exp, sums over 8 independent
// lanes) and splits rows over the pool.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu/ops.h"
#include "runtime/threadpool.h"

namespace kerno {
namespace {

kerno_status check_sizes(int64_t R, int64_t C) {
  return (R < 0 || C < 0) ? KERNO_ERR_INVALID_ARGUMENT : KERNO_OK;
}

// ---------------------------------------------------------------- scalar reference
// x (C) → y (C); y may alias x.
void ref_row_forward(float* y, const float* x, int64_t C) {
  float m = x[0];
  for (int64_t c = 1; c < C; ++c) m = std::fmax(m, x[c]);
  bool has_nan = false;
  for (int64_t c = 0; c < C; ++c) has_nan = has_nan || std::isnan(x[c]);
  float s = 0.f;
  for (int64_t c = 0; c < C; ++c) {
    y[c] = has_nan ? NAN : std::exp(x[c] - m);
    s += y[c];
  }
  for (int64_t c = 0; c < C; ++c) y[c] /= s;
}

// ---------------------------------------------------------------- fast row kernels
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
// A select computed with integer masks: GCC keeps both arms unconditional and vectorises
// (a `?:` would stay a branch under -ftrapping-math). Same helper as activation.cc.
inline float pick(bool c, float a, float b) {
  int32_t m = -static_cast<int32_t>(c);
  return bits_to_float((float_to_bits(a) & m) | (float_to_bits(b) & ~m));
}

// exp(x) for x <= 0 (x − max): Cephes expf polynomial, ~1 ulp, flushes below e^-87 to zero.
// Same algorithm as activation.cc's fast_exp restricted to the non-positive half.
inline float exp_nonpos(float x) {
  float xc = pick(x > -87.f, x, -87.f);
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
  float y = p * bits_to_float((n + 127) << 23);
  y = pick(x > -87.f, y, 0.f);
  return pick(x != x, x, y);
}

constexpr int kLanes = 8;

// max over x (C), ignoring NaNs (they still poison the row through exp(NaN − max)).
float row_max(const float* x, int64_t C) {
  float m[kLanes];
  for (int j = 0; j < kLanes; ++j) m[j] = x[0];
  int64_t c = 0;
  for (; c + kLanes <= C; c += kLanes)
    for (int j = 0; j < kLanes; ++j) m[j] = x[c + j] > m[j] ? x[c + j] : m[j];
  for (; c < C; ++c) m[0] = x[c] > m[0] ? x[c] : m[0];
  float r = m[0];
  for (int j = 1; j < kLanes; ++j) r = m[j] > r ? m[j] : r;
  return r;
}

// Σ x (C) over 8 independent lanes: GCC does not reorder a float sum by itself.
float row_sum(const float* x, int64_t C) {
  float s[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= C; c += kLanes)
    for (int j = 0; j < kLanes; ++j) s[j] += x[c + j];
  for (; c < C; ++c) s[0] += x[c];
  float r = 0.f;
  for (int j = 0; j < kLanes; ++j) r += s[j];
  return r;
}

// The exp pass is a plain elementwise loop, kept apart from the sum, so GCC vectorises it
// with a vector epilogue too (rows are often 10 long, where a scalar tail would dominate).
void fast_row_forward(float* y, const float* x, int64_t C) {
  float m = row_max(x, C);
  for (int64_t c = 0; c < C; ++c) y[c] = exp_nonpos(x[c] - m);
  float inv = 1.f / row_sum(y, C);
  for (int64_t c = 0; c < C; ++c) y[c] *= inv;
}

// Σ_c a·b over C.
float row_dot(const float* a, const float* b, int64_t C) {
  float s[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= C; c += kLanes)
    for (int j = 0; j < kLanes; ++j) s[j] += a[c + j] * b[c + j];
  for (; c < C; ++c) s[0] += a[c] * b[c];
  float r = 0.f;
  for (int j = 0; j < kLanes; ++j) r += s[j];
  return r;
}

// Rows per thread chunk: about 16K elements, so small batches stay on the caller.
int64_t row_grain(int64_t C) { return C >= 16384 ? 1 : 16384 / (C > 0 ? C : 1); }

}  // namespace

// out (R,C) = softmax(inp (R,C)) along C; out may alias inp.
kerno_status ref_softmax_forward(float* out, const float* inp, int64_t R, int64_t C) {
  if (check_sizes(R, C) != KERNO_OK) return KERNO_ERR_INVALID_ARGUMENT;
  if (R == 0 || C == 0) return KERNO_OK;
  if (!out || !inp) return KERNO_ERR_INVALID_ARGUMENT;
  for (int64_t r = 0; r < R; ++r) ref_row_forward(out + r * C, inp + r * C, C);
  return KERNO_OK;
}

// dinp (R,C) += out ⊙ (dout − Σ_c dout·out); dout, out (R,C).
kerno_status ref_softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C) {
  if (check_sizes(R, C) != KERNO_OK) return KERNO_ERR_INVALID_ARGUMENT;
  if (R == 0 || C == 0) return KERNO_OK;
  if (!dinp || !dout || !out) return KERNO_ERR_INVALID_ARGUMENT;
  for (int64_t r = 0; r < R; ++r) {
    const float* g = dout + r * C;
    const float* y = out + r * C;
    float dot = 0.f;
    for (int64_t c = 0; c < C; ++c) dot += g[c] * y[c];
    for (int64_t c = 0; c < C; ++c) dinp[r * C + c] += y[c] * (g[c] - dot);
  }
  return KERNO_OK;
}

kerno_status cpu_softmax_forward(float* out, const float* inp, int64_t R, int64_t C) {
  if (check_sizes(R, C) != KERNO_OK) return KERNO_ERR_INVALID_ARGUMENT;
  if (R == 0 || C == 0) return KERNO_OK;
  if (!out || !inp) return KERNO_ERR_INVALID_ARGUMENT;
  parallel_for(R, row_grain(C), [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) fast_row_forward(out + r * C, inp + r * C, C);
  });
  return KERNO_OK;
}

kerno_status cpu_softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C) {
  if (check_sizes(R, C) != KERNO_OK) return KERNO_ERR_INVALID_ARGUMENT;
  if (R == 0 || C == 0) return KERNO_OK;
  if (!dinp || !dout || !out) return KERNO_ERR_INVALID_ARGUMENT;
  parallel_for(R, row_grain(C), [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* g = dout + r * C;
      const float* y = out + r * C;
      float* d = dinp + r * C;
      float dot = row_dot(g, y, C);
      for (int64_t c = 0; c < C; ++c) d[c] += y[c] * (g[c] - dot);
    }
  });
  return KERNO_OK;
}

}  // namespace kerno
