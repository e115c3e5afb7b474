// Row-wise softmax, forward and backward. R = rows, C = columns (the softmax axis, last).
//
// Forward subtracts the row maximum before exp, so any finite logits (±300, ±1e30) give a
// finite distribution. A NaN anywhere in a row makes the whole row NaN, as in TensorFlow.
// Backward uses the forward output y: dinp += y ⊙ (dout − Σ_c dout·y).
//
// The fast version vectorises the row loops (the branch-free exp of vmath.h, sums over 8
// independent lanes) and splits rows over the pool.
#include <cmath>
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cpu/ops.h"
#include "cpu/vmath.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::softmax_check_backward;
using checks::softmax_check_forward;

namespace {

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
  for (int64_t c = 0; c < C; ++c) y[c] = fast_exp_nonpos(x[c] - m);
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
  kerno_status s = softmax_check_forward(out, inp, R, C);
  if (s != KERNO_OK || R == 0 || C == 0) return s;
  for (int64_t r = 0; r < R; ++r) ref_row_forward(out + r * C, inp + r * C, C);
  return KERNO_OK;
}

// dinp (R,C) += out ⊙ (dout − Σ_c dout·out); dout, out (R,C).
kerno_status ref_softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C) {
  kerno_status s = softmax_check_backward(dinp, dout, out, R, C);
  if (s != KERNO_OK || R == 0 || C == 0) return s;
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
  kerno_status s = softmax_check_forward(out, inp, R, C);
  if (s != KERNO_OK || R == 0 || C == 0) return s;
  parallel_for(R, row_grain(C), [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) fast_row_forward(out + r * C, inp + r * C, C);
  });
  return KERNO_OK;
}

kerno_status cpu_softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C) {
  kerno_status s = softmax_check_backward(dinp, dout, out, R, C);
  if (s != KERNO_OK || R == 0 || C == 0) return s;
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
