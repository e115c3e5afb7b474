// Window geometry shared by the pooling kernels (pool.cc, pool_relu.cc): NHWC tensors, window
// (oh, ow) covering input rows [oh·stride_h − pad_top, … + KH) ∩ [0, H) and columns likewise.
#ifndef KERNO_CPU_POOL_COMMON_H
#define KERNO_CPU_POOL_COMMON_H

#include <algorithm>
#include <cstdint>

#include "kerno/kernels.h"

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

// Whether no two windows share an input element (stride ≥ window on both axes) and each fits the
// tap tables: backward may then thread over output rows.
inline bool disjoint(const kerno_conv2d_params& p) {
  return p.stride_h >= p.KH && p.stride_w >= p.KW && p.KH * p.KW <= kMaxTaps;
}

}  // namespace kerno::pool_detail

#endif  // KERNO_CPU_POOL_COMMON_H
