// MaxPooling2D backward fused with the backward of the ReLU that produced its input
// (max_pool2d_relu_backward, kerno/kernels.h): dpre, the gradient at the ReLU's input, written
// whole in one pass instead of zeroing two buffers, routing into one and masking into the other.
//
// Disjoint windows (stride ≥ window, Keras's default strides = pool_size) thread over output
// rows: each row owns the band of input rows from its windows' first row to the next row's, so
// it writes its band whole, zeroing first only where no window reaches (an edge row or column
// of a 'valid' pooling, gaps between windows). Overlapping windows take the unfused passes.
// Channels run 8 at a time with AVX2 (the AVX2 and AVX-512 backends), 4 with SSE2, then one by
// one: the same arithmetic, so every backend gives the same bits.
#include <algorithm>

#include "cpu/arg_checks.h"
#include "cpu/ops_layers.h"
#include "cpu/pool_common.h"
#include "runtime/threadpool.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KERNO_POOL_AVX2 1
#include <immintrin.h>
#else
#define KERNO_POOL_AVX2 0
#endif

namespace kerno {

using checks::pool_check;
using checks::pool_empty;
using pool_detail::disjoint;
using pool_detail::Span;
using pool_detail::span;

namespace {

// What ref_activation_backward adds for a ReLU onto a zeroed dpre, given the pooling gradient dx
// and the ReLU's output y: the fused kernels compute exactly this, so they match bit for bit
// (a NaN or infinite dx still poisons a masked position, −0 still becomes +0).
inline float relu_pre_grad(float dx, float y) { return 0.f + dx * (y > 0.f ? 1.f : 0.f); }

// max_pool2d_relu_backward's check: pool_check, plus inp; `empty` says dpre only needs zeros.
kerno_status relu_back_check(const float* dpre, const float* dout, const float* inp, const kerno_conv2d_params* p,
                             bool* empty) {
  kerno_status s = pool_check(dpre, dout, p);
  if (s != KERNO_OK) return s;
  *empty = pool_empty(p);
  if (*empty) return (dpre || p->B * p->H * p->W * p->C == 0) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
  return inp ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

// One window's channels [c0, C) in 4-lane blocks, for the n taps `at` (inp) and `dat` (dpre):
// each tap gets relu_pre_grad(d, first maximum) where it is the window's first maximum (later
// taps win only when strictly greater, a NaN never does), +0 elsewhere (an AND with the
// selection). Returns the first channel left for the scalar loop.
int64_t relu_back_window_sse2(float* const* dat, const float* const* at, int n, const float* d, int64_t C,
                              int64_t c) {
#if defined(__SSE2__)
  const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.f);
  for (; c + 4 <= C; c += 4) {
    __m128 best;
    const __m128i win = pool_detail::first_max4(at, n, c, &best);
    // relu_pre_grad of the winner's value
    const __m128 mask = _mm_and_ps(_mm_cmpgt_ps(best, zero), one);
    const __m128 g = _mm_add_ps(zero, _mm_mul_ps(_mm_add_ps(zero, _mm_loadu_ps(d + c)), mask));
    for (int t = 0; t < n; ++t)
      _mm_storeu_ps(dat[t] + c, _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(win, _mm_set1_epi32(t))), g));
  }
#endif
  return c;
}

// The same in 8-lane blocks from channel 0 (AVX2); returns the first channel it left.
#if KERNO_POOL_AVX2
__attribute__((target("avx2"))) int64_t relu_back_window_avx2(float* const* dat, const float* const* at, int n,
                                                              const float* d, int64_t C) {
  int64_t c = 0;
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.f);
  for (; c + 8 <= C; c += 8) {
    __m256 best = _mm256_loadu_ps(at[0] + c);
    __m256i win = _mm256_setzero_si256();
    for (int t = 1; t < n; ++t) {
      const __m256 x = _mm256_loadu_ps(at[t] + c);
      const __m256i take = _mm256_castps_si256(_mm256_cmp_ps(x, best, _CMP_GT_OQ));
      best = _mm256_max_ps(x, best);
      win = _mm256_blendv_epi8(win, _mm256_set1_epi32(t), take);
    }
    const __m256 mask = _mm256_and_ps(_mm256_cmp_ps(best, zero, _CMP_GT_OQ), one);
    const __m256 g = _mm256_add_ps(zero, _mm256_mul_ps(_mm256_add_ps(zero, _mm256_loadu_ps(d + c)), mask));
    for (int t = 0; t < n; ++t)
      _mm256_storeu_ps(dat[t] + c, _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(win, _mm256_set1_epi32(t))), g));
  }
  return c;
}
#else
int64_t relu_back_window_avx2(float* const*, const float* const*, int, const float*, int64_t) { return 0; }  // never wide
#endif

// Output row oh's band of input rows: from its windows' first row (0 for the first output row) to
// the next row's (H for the last). With disjoint windows the bands partition the rows, so a
// fused backward can own and write its band whole.
Span row_band(const kerno_conv2d_params& p, int64_t oh) {
  return {oh == 0 ? 0 : oh * p.stride_h - p.pad_top, oh + 1 == p.OH ? p.H : (oh + 1) * p.stride_h - p.pad_top};
}

// Fused max-pool + ReLU backward of output row (b, oh), disjoint windows: writes the row's band
// of dpre. Each window's taps get relu_pre_grad(d, first maximum) at the winner and +0 elsewhere
// (an AND with the selection mask); rows or columns no window covers are zeroed first.
void relu_back_row(float* dpre, const float* dout, const float* inp, const kerno_conv2d_params& p, int64_t b,
                   int64_t oh, bool cols_covered, bool wide) {
  const int64_t C = p.C;
  const Span sh = span(oh, p.stride_h, p.pad_top, p.KH, p.H), band = row_band(p, oh);
  if (!cols_covered || sh.lo != band.lo || sh.hi != band.hi) {
    float* row0 = dpre + (b * p.H + band.lo) * p.W * C;
    std::fill(row0, row0 + (band.hi - band.lo) * p.W * C, 0.f);
  }
  pool_detail::for_row_windows(dpre, inp, dout, p, b, oh,
                               [&](float* const* dat, const float* const* at, int n, const float* d, float) {
                                 int64_t c = wide ? relu_back_window_avx2(dat, at, n, d, C) : 0;
                                 c = relu_back_window_sse2(dat, at, n, d, C, c);
                                 for (; c < C; ++c) {
                                   int win = 0;
                                   for (int t = 1; t < n; ++t)
                                     if (at[t][c] > at[win][c]) win = t;
                                   for (int t = 0; t < n; ++t) dat[t][c] = t == win ? relu_pre_grad(d[c], at[win][c]) : 0.f;
                                 }
                               });
}

}  // namespace

kerno_status ref_max_pool2d_relu_backward(float* dpre, const float* dout, const float* inp,
                                          const kerno_conv2d_params* p) {
  bool empty = false;
  kerno_status s = relu_back_check(dpre, dout, inp, p, &empty);
  if (s != KERNO_OK) return s;
  const int64_t n = p->B * p->H * p->W * p->C;
  std::fill(dpre, dpre + n, 0.f);
  if (empty) return KERNO_OK;
  s = ref_max_pool2d_backward(dpre, dout, inp, p);
  if (s != KERNO_OK) return s;
  for (int64_t i = 0; i < n; ++i) dpre[i] = relu_pre_grad(dpre[i], inp[i]);
  return KERNO_OK;
}

namespace {

template <bool kWide>
kerno_status relu_backward(float* dpre, const float* dout, const float* inp, const kerno_conv2d_params* p) {
  bool empty = false;
  kerno_status s = relu_back_check(dpre, dout, inp, p, &empty);
  if (s != KERNO_OK) return s;
  const kerno_conv2d_params q = *p;
  const int64_t n = q.B * q.H * q.W * q.C;
  if (!empty && disjoint(q)) {
    const bool cols_covered = q.stride_w == q.KW && (q.OW - 1) * q.stride_w - q.pad_left + q.KW >= q.W;
    const int64_t row_work = q.OW * q.C * q.KH * q.KW;
    parallel_for(q.B * q.OH, std::max<int64_t>(1, 32768 / std::max<int64_t>(row_work, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) relu_back_row(dpre, dout, inp, q, r / q.OH, r % q.OH, cols_covered, kWide);
    });
    return KERNO_OK;
  }
  // Overlapping windows (or nothing to route): zero, accumulate as max_pool2d_backward, then mask.
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) { std::fill(dpre + b, dpre + e, 0.f); });
  if (empty) return KERNO_OK;
  s = cpu_max_pool2d_backward(dpre, dout, inp, p);
  if (s != KERNO_OK) return s;
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dpre[i] = relu_pre_grad(dpre[i], inp[i]);
  });
  return KERNO_OK;
}

}  // namespace

kerno_status cpu_max_pool2d_relu_backward(float* dpre, const float* dout, const float* inp,
                                          const kerno_conv2d_params* p) {
  return relu_backward<false>(dpre, dout, inp, p);
}

kerno_status avx2_max_pool2d_relu_backward(float* dpre, const float* dout, const float* inp,
                                           const kerno_conv2d_params* p) {
  return relu_backward<KERNO_POOL_AVX2 == 1>(dpre, dout, inp, p);
}

}  // namespace kerno
