// Window geometry shared by the pooling kernels (pool.cc, pool_relu.cc): NHWC tensors, window
// (oh, ow) covering input rows [oh·stride_h − pad_top, … + KH) ∩ [0, H) and columns likewise.
#ifndef KERNO_CPU_POOL_COMMON_H
#define KERNO_CPU_POOL_COMMON_H

#include <algorithm>
#include <cstdint>

#include "kerno/kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kerno::pool_detail {

// In-bounds tap range [lo, hi) of one window along one axis.
struct Span {
  int64_t lo, hi;
};
inline Span span(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t n) {
  int64_t s = o * stride - pad;
  return {std::max<int64_t>(s, 0), std::min(s + k, n)};
}

// In-bounds taps of a window: the divisor of average pooling.
inline float taps(Span sh, Span sw) { return static_cast<float>((sh.hi - sh.lo) * (sw.hi - sw.lo)); }

// A window's in-bounds taps as pointers to their channel 0, in scan order (rows, then columns).
// Windows of up to kMaxTaps taps run through these tables; larger ones take plain loops.
constexpr int64_t kMaxTaps = 16;
template <class T>
inline int window_taps(T** at, T* base, const kerno_conv2d_params& p, int64_t b, Span sh, Span sw) {
  int n = 0;
  for (int64_t h = sh.lo; h < sh.hi; ++h)
    for (int64_t w = sw.lo; w < sw.hi; ++w) at[n++] = base + ((b * p.H + h) * p.W + w) * p.C;
  return n;
}

// Calls f(dat, at, n, d, cnt) for each window of output row (b, oh), in order: its n taps in the
// gradient `grad` (dat) and, when inp is given, in `inp` (at), its dout `d` (C floats) and its
// tap count as a float (average pooling's divisor).
template <class F>
inline void for_row_windows(float* grad, const float* inp, const float* dout, const kerno_conv2d_params& p, int64_t b,
                            int64_t oh, F&& f) {
  const Span sh = span(oh, p.stride_h, p.pad_top, p.KH, p.H);
  const float* at[kMaxTaps];
  float* dat[kMaxTaps];
  for (int64_t ow = 0; ow < p.OW; ++ow) {
    const Span sw = span(ow, p.stride_w, p.pad_left, p.KW, p.W);
    const int n = window_taps(dat, grad, p, b, sh, sw);
    if (inp) window_taps(at, inp, p, b, sh, sw);
    f(static_cast<float* const*>(dat), static_cast<const float* const*>(at), n, dout + ((b * p.OH + oh) * p.OW + ow) * p.C,
      taps(sh, sw));
  }
}

// Whether no two windows share an input element (stride ≥ window on both axes) and each fits the
// tap tables: backward may then thread over output rows.
inline bool disjoint(const kerno_conv2d_params& p) {
  return p.stride_h >= p.KH && p.stride_w >= p.KW && p.KH * p.KW <= kMaxTaps;
}

#if defined(__SSE2__)
// Channels [c, c + 4) of a window's n taps `at`: which tap is each lane's first maximum (later
// taps win only when strictly greater, so a NaN never does), and that maximum in *best (max_ps
// returns one of its operands, so it is the winning tap's value).
inline __m128i first_max4(const float* const* at, int n, int64_t c, __m128* best) {
  __m128 m = _mm_loadu_ps(at[0] + c);
  __m128i win = _mm_setzero_si128();
  for (int t = 1; t < n; ++t) {
    const __m128 x = _mm_loadu_ps(at[t] + c);
    const __m128i take = _mm_castps_si128(_mm_cmpgt_ps(x, m));
    m = _mm_max_ps(x, m);
    win = _mm_or_si128(_mm_and_si128(take, _mm_set1_epi32(t)), _mm_andnot_si128(take, win));
  }
  *best = m;
  return win;
}
#endif

}  // namespace kerno::pool_detail

#endif  // KERNO_CPU_POOL_COMMON_H
