// 2-D max/average pooling and global pooling over NHWC tensors, forward and backward.
// B = batch, H, W = input spatial, C = channels, OH, OW = output spatial, KH, KW = window,
// S = spatial positions (H·W) for global pooling.
//
// Window (oh, ow) covers input rows [oh·stride_h − pad_top, … + KH) and columns likewise; taps
// outside the input are skipped, so padding never wins a max and is not counted in an average
// (TensorFlow/Keras 'same' semantics).
//
// Ties: max pooling routes the gradient to the FIRST maximum in window scan order (rows, then
// columns), which is what TensorFlow's CPU MaxPoolGrad does (checked with TF 2.21: a 2×2 window
// [[1,3],[3,2]] sends its gradient to the 3 at (0,1) only). Global max pooling instead splits dout
// evenly among tied maxima over S (2 ties → 0.5 each), as TensorFlow's reduce_max gradient does
// for Keras's GlobalMaxPooling2D. The two agree whenever the maximum is unique.
//
// The fast versions keep channels innermost and run each window from a table of its taps, with
// the running max/sum (and, backward, the first maximum's tap) in SSE2 registers. Forward threads over (batch × output rows). Backward does too when the windows are disjoint
// (stride ≥ window on both axes, as Keras's default strides = pool_size): every input element then
// belongs to one window at most, so no two rows write the same dinp element; overlapping windows
// thread over (batch × channel blocks) instead.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/arg_checks.h"
#include "cpu/ops_layers.h"
#include "cpu/pool_common.h"
#include "runtime/threadpool.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kerno {

using checks::pool_check;
using checks::pool_check_global;
using checks::pool_empty;
using pool_detail::disjoint;
using pool_detail::for_row_windows;
#if defined(__SSE2__)
using pool_detail::first_max4;
#endif
using pool_detail::kMaxTaps;
using pool_detail::Span;
using pool_detail::span;
using pool_detail::taps;
using pool_detail::window_taps;

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr int64_t kChannelBlock = 64;  // channels per backward work item (fits the stack buffers)

// ---------------------------------------------------------------- scalar reference

// Calls f(b, o, sh, sw) for every output position (b, oh, ow) in order: o is the flat index of
// out (B,OH,OW,C) at channel 0, sh × sw the window's in-bounds taps. The four windowed references
// differ only in what they do per window.
template <class F>
void for_each_window(const kerno_conv2d_params& p, F&& f) {
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t oh = 0; oh < p.OH; ++oh)
      for (int64_t ow = 0; ow < p.OW; ++ow)
        f(b, ((b * p.OH + oh) * p.OW + ow) * p.C, span(oh, p.stride_h, p.pad_top, p.KH, p.H),
          span(ow, p.stride_w, p.pad_left, p.KW, p.W));
}

// Flat index into inp (B,H,W,C) of the first maximum of image b's window sh × sw in channel c.
int64_t ref_argmax(const float* inp, const kerno_conv2d_params& p, int64_t b, Span sh, Span sw, int64_t c) {
  int64_t best = -1;
  for (int64_t h = sh.lo; h < sh.hi; ++h)
    for (int64_t w = sw.lo; w < sw.hi; ++w) {
      int64_t i = ((b * p.H + h) * p.W + w) * p.C + c;
      if (best < 0 || inp[i] > inp[best]) best = i;
    }
  return best;
}

}  // namespace

kerno_status ref_max_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = pool_check(out, inp, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  for_each_window(*p, [&](int64_t b, int64_t o, Span sh, Span sw) {
    for (int64_t c = 0; c < p->C; ++c) out[o + c] = inp[ref_argmax(inp, *p, b, sh, sw, c)];
  });
  return KERNO_OK;
}

kerno_status ref_max_pool2d_backward(float* dinp, const float* dout, const float* inp,
                                     const kerno_conv2d_params* p) {
  kerno_status s = pool_check(dinp, dout, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  if (!inp) return KERNO_ERR_INVALID_ARGUMENT;
  for_each_window(*p, [&](int64_t b, int64_t o, Span sh, Span sw) {
    for (int64_t c = 0; c < p->C; ++c) dinp[ref_argmax(inp, *p, b, sh, sw, c)] += dout[o + c];
  });
  return KERNO_OK;
}

kerno_status ref_avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = pool_check(out, inp, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  for_each_window(*p, [&](int64_t b, int64_t o, Span sh, Span sw) {
    const float n = taps(sh, sw);
    for (int64_t c = 0; c < p->C; ++c) {
      float acc = 0.f;
      for (int64_t h = sh.lo; h < sh.hi; ++h)
        for (int64_t w = sw.lo; w < sw.hi; ++w) acc += inp[((b * p->H + h) * p->W + w) * p->C + c];
      out[o + c] = acc / n;
    }
  });
  return KERNO_OK;
}

kerno_status ref_avg_pool2d_backward(float* dinp, const float* dout, const kerno_conv2d_params* p) {
  kerno_status s = pool_check(dinp, dout, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  for_each_window(*p, [&](int64_t b, int64_t o, Span sh, Span sw) {
    const float n = taps(sh, sw);
    for (int64_t c = 0; c < p->C; ++c) {
      float g = dout[o + c] / n;
      for (int64_t h = sh.lo; h < sh.hi; ++h)
        for (int64_t w = sw.lo; w < sw.hi; ++w) dinp[((b * p->H + h) * p->W + w) * p->C + c] += g;
    }
  });
  return KERNO_OK;
}

kerno_status ref_global_avg_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(out, inp, B, S, C);
  if (s != KERNO_OK) return s;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      double acc = 0;
      for (int64_t i = 0; i < S; ++i) acc += inp[(b * S + i) * C + c];
      out[b * C + c] = static_cast<float>(acc / S);
    }
  return KERNO_OK;
}

kerno_status ref_global_avg_pool_backward(float* dinp, const float* dout, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(dinp, dout, B, S, C);
  if (s != KERNO_OK) return s;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < S; ++i)
      for (int64_t c = 0; c < C; ++c) dinp[(b * S + i) * C + c] += dout[b * C + c] / static_cast<float>(S);
  return KERNO_OK;
}

kerno_status ref_global_max_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(out, inp, B, S, C);
  if (s != KERNO_OK) return s;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      float m = inp[b * S * C + c];
      for (int64_t i = 1; i < S; ++i) m = std::max(m, inp[(b * S + i) * C + c]);
      out[b * C + c] = m;
    }
  return KERNO_OK;
}

kerno_status ref_global_max_pool_backward(float* dinp, const float* dout, const float* inp, int64_t B,
                                          int64_t S, int64_t C) {
  kerno_status s = pool_check_global(dinp, dout, B, S, C);
  if (s != KERNO_OK) return s;
  if (B > 0 && C > 0 && !inp) return KERNO_ERR_INVALID_ARGUMENT;
  // TF differentiates reduce_max by sharing dout equally among tied maxima (Keras
  // GlobalMaxPooling2D), unlike windowed max pooling, which routes to the first maximum.
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      float best = inp[b * S * C + c];
      for (int64_t i = 1; i < S; ++i) best = std::max(best, inp[(b * S + i) * C + c]);
      int64_t ties = 0;
      for (int64_t i = 0; i < S; ++i) ties += inp[(b * S + i) * C + c] == best;
      if (ties == 0) continue;  // NaN maximum: no tap equals it, as in TF
      const float share = dout[b * C + c] / static_cast<float>(ties);
      for (int64_t i = 0; i < S; ++i)
        if (inp[(b * S + i) * C + c] == best) dinp[(b * S + i) * C + c] += share;
    }
  return KERNO_OK;
}

// ---------------------------------------------------------------- fast CPU
namespace {

// o (C) = the max (kMax) or the sum over the window's n taps `at`, per channel. SSE2 is the
// x86-64 baseline, so every CPU backend may use it; other targets (and the last C % 4 channels)
// take the plain loop, which does the same arithmetic. The max starts from the first tap (not
// −inf), so a NaN there wins as in the reference; max_ps(x, m) is x > m ? x : m, NaN included.
template <bool kMax>
inline void reduce_window(float* o, const float* const* at, int n, int64_t C) {
  int64_t c = 0;
#if defined(__SSE2__)
  for (; c + 8 <= C; c += 8) {  // two vectors per pass: independent dependency chains
    __m128 a0 = kMax ? _mm_loadu_ps(at[0] + c) : _mm_setzero_ps();
    __m128 a1 = kMax ? _mm_loadu_ps(at[0] + c + 4) : _mm_setzero_ps();
    for (int t = kMax ? 1 : 0; t < n; ++t) {
      const __m128 x0 = _mm_loadu_ps(at[t] + c), x1 = _mm_loadu_ps(at[t] + c + 4);
      a0 = kMax ? _mm_max_ps(x0, a0) : _mm_add_ps(a0, x0);
      a1 = kMax ? _mm_max_ps(x1, a1) : _mm_add_ps(a1, x1);
    }
    _mm_storeu_ps(o + c, a0);
    _mm_storeu_ps(o + c + 4, a1);
  }
#endif
  for (; c < C; ++c) {
    float a = kMax ? at[0][c] : 0.f;
    for (int t = kMax ? 1 : 0; t < n; ++t) a = kMax ? (at[t][c] > a ? at[t][c] : a) : a + at[t][c];
    o[c] = a;
  }
}

// dinp at each channel's first maximum of the window += d (C); `at` are the taps in inp, `dat` the
// same taps in dinp. Later taps win only when strictly greater (a NaN never does). The gradient
// is selected in rather than added as zero to the other taps, which would turn a −0 into +0.
inline void max_back_window(float* const* dat, const float* const* at, int n, const float* d, int64_t C) {
  int64_t c = 0;
#if defined(__SSE2__)
  for (; c + 4 <= C; c += 4) {
    __m128 best;
    const __m128i win = first_max4(at, n, c, &best);
    const __m128 g = _mm_loadu_ps(d + c);
    for (int t = 0; t < n; ++t) {
      const __m128 sel = _mm_castsi128_ps(_mm_cmpeq_epi32(win, _mm_set1_epi32(t)));
      const __m128 v = _mm_loadu_ps(dat[t] + c);
      _mm_storeu_ps(dat[t] + c, _mm_or_ps(_mm_and_ps(sel, _mm_add_ps(v, g)), _mm_andnot_ps(sel, v)));
    }
  }
#endif
  for (; c < C; ++c) {
    int win = 0;
    for (int t = 1; t < n; ++t)
      if (at[t][c] > at[win][c]) win = t;
    dat[win][c] += d[c];
  }
}

// One output row (b, oh) of max or average pooling: out (OW,C).
template <bool kMax>
void pool_row(float* out, const float* inp, const kerno_conv2d_params& p, int64_t b, int64_t oh) {
  const int64_t C = p.C;
  const Span sh = span(oh, p.stride_h, p.pad_top, p.KH, p.H);
  const float* at[kMaxTaps];
  for (int64_t ow = 0; ow < p.OW; ++ow) {
    const Span sw = span(ow, p.stride_w, p.pad_left, p.KW, p.W);
    float* o = out + ow * C;
    if ((sh.hi - sh.lo) * (sw.hi - sw.lo) <= kMaxTaps) {
      reduce_window<kMax>(o, at, window_taps(at, inp, p, b, sh, sw), C);
    } else {  // large windows: accumulate in the output, tap by tap
      const float* first = inp + ((b * p.H + sh.lo) * p.W + sw.lo) * C;
      for (int64_t c = 0; c < C; ++c) o[c] = kMax ? first[c] : 0.f;
      for (int64_t h = sh.lo; h < sh.hi; ++h)
        for (int64_t w = sw.lo; w < sw.hi; ++w) {
          const float* x = inp + ((b * p.H + h) * p.W + w) * C;
          for (int64_t c = 0; c < C; ++c) o[c] = kMax ? (x[c] > o[c] ? x[c] : o[c]) : o[c] + x[c];
        }
    }
    if (!kMax) {
      const float cnt = taps(sh, sw);
      for (int64_t c = 0; c < C; ++c) o[c] /= cnt;
    }
  }
}

// Backward of output row (b, oh) for disjoint windows: dinp of the row's windows += their share
// of dout (max: all of it to the first maximum, recomputed from inp; average: dout / taps each,
// as avg_back_block rounds it).
template <bool kMax>
void back_row(float* dinp, const float* dout, const float* inp, const kerno_conv2d_params& p, int64_t b, int64_t oh) {
  const int64_t C = p.C;
  for_row_windows(dinp, kMax ? inp : nullptr, dout, p, b, oh,
                  [&](float* const* dat, const float* const* at, int n, const float* d, float cnt) {
                    if (kMax) {
                      max_back_window(dat, at, n, d, C);
                      return;
                    }
                    for (int t = 0; t < n; ++t)
                      for (int64_t c = 0; c < C; ++c) dat[t][c] += d[c] / cnt;
                  });
}

template <bool kMax>
kerno_status pool_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = pool_check(out, inp, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  const kerno_conv2d_params q = *p;
  const int64_t row_work = q.OW * q.C * q.KH * q.KW;
  parallel_for(q.B * q.OH, std::max<int64_t>(1, 32768 / std::max<int64_t>(row_work, 1)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r)
                   pool_row<kMax>(out + r * q.OW * q.C, inp, q, r / q.OH, r % q.OH);
               });
  return KERNO_OK;
}

// Runs body(b, c0, c1) over (batch × channel blocks) in parallel: each item owns its dinp slice.
template <class F>
void for_batch_channel_blocks(const kerno_conv2d_params& q, int64_t work_per_item, F&& body) {
  const int64_t nblk = (q.C + kChannelBlock - 1) / kChannelBlock;
  parallel_for(q.B * nblk, std::max<int64_t>(1, 32768 / std::max<int64_t>(work_per_item, 1)),
               [&](int64_t i0, int64_t i1) {
                 for (int64_t i = i0; i < i1; ++i) {
                   int64_t c0 = (i % nblk) * kChannelBlock;
                   body(i / nblk, c0, std::min(c0 + kChannelBlock, q.C));
                 }
               });
}

// Max-pool backward for image b, channels [c0, c1): recomputes each window's first maximum.
void max_back_block(float* dinp, const float* dout, const float* inp, const kerno_conv2d_params& p, int64_t b,
                    int64_t c0, int64_t c1) {
  float best[kChannelBlock];
  int64_t arg[kChannelBlock];
  const int64_t n = c1 - c0;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    Span sh = span(oh, p.stride_h, p.pad_top, p.KH, p.H);
    for (int64_t ow = 0; ow < p.OW; ++ow) {
      Span sw = span(ow, p.stride_w, p.pad_left, p.KW, p.W);
      for (int64_t c = 0; c < n; ++c) best[c] = kNegInf, arg[c] = -1;
      for (int64_t h = sh.lo; h < sh.hi; ++h)
        for (int64_t w = sw.lo; w < sw.hi; ++w) {
          const int64_t base = ((b * p.H + h) * p.W + w) * p.C + c0;
          const float* x = inp + base;
          for (int64_t c = 0; c < n; ++c) {
            bool take = arg[c] < 0 || x[c] > best[c];  // the first tap always counts (even NaN/-inf)
            best[c] = take ? x[c] : best[c];
            arg[c] = take ? base + c : arg[c];
          }
        }
      const float* g = dout + ((b * p.OH + oh) * p.OW + ow) * p.C + c0;
      for (int64_t c = 0; c < n; ++c) dinp[arg[c]] += g[c];
    }
  }
}

void avg_back_block(float* dinp, const float* dout, const kerno_conv2d_params& p, int64_t b, int64_t c0,
                    int64_t c1) {
  const int64_t n = c1 - c0;
  float g[kChannelBlock];
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    Span sh = span(oh, p.stride_h, p.pad_top, p.KH, p.H);
    for (int64_t ow = 0; ow < p.OW; ++ow) {
      Span sw = span(ow, p.stride_w, p.pad_left, p.KW, p.W);
      const float cnt = taps(sh, sw);
      const float* d = dout + ((b * p.OH + oh) * p.OW + ow) * p.C + c0;
      for (int64_t c = 0; c < n; ++c) g[c] = d[c] / cnt;
      for (int64_t h = sh.lo; h < sh.hi; ++h)
        for (int64_t w = sw.lo; w < sw.hi; ++w) {
          float* x = dinp + ((b * p.H + h) * p.W + w) * p.C + c0;
          for (int64_t c = 0; c < n; ++c) x[c] += g[c];
        }
    }
  }
}

// Backward over output rows for disjoint windows; false when they overlap.
template <bool kMax>
bool back_disjoint(float* dinp, const float* dout, const float* inp, const kerno_conv2d_params& q) {
  if (!disjoint(q)) return false;
  const int64_t row_work = q.OW * q.C * q.KH * q.KW;
  parallel_for(q.B * q.OH, std::max<int64_t>(1, 32768 / std::max<int64_t>(row_work, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) back_row<kMax>(dinp, dout, inp, q, r / q.OH, r % q.OH);
  });
  return true;
}

}  // namespace

kerno_status cpu_max_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  return pool_forward<true>(out, inp, p);
}

kerno_status cpu_avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  return pool_forward<false>(out, inp, p);
}

kerno_status cpu_max_pool2d_backward(float* dinp, const float* dout, const float* inp,
                                     const kerno_conv2d_params* p) {
  kerno_status s = pool_check(dinp, dout, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  if (!inp) return KERNO_ERR_INVALID_ARGUMENT;
  const kerno_conv2d_params q = *p;
  if (back_disjoint<true>(dinp, dout, inp, q)) return KERNO_OK;
  for_batch_channel_blocks(q, q.OH * q.OW * q.KH * q.KW * std::min(q.C, kChannelBlock),
                           [&](int64_t b, int64_t c0, int64_t c1) { max_back_block(dinp, dout, inp, q, b, c0, c1); });
  return KERNO_OK;
}

kerno_status cpu_avg_pool2d_backward(float* dinp, const float* dout, const kerno_conv2d_params* p) {
  kerno_status s = pool_check(dinp, dout, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  const kerno_conv2d_params q = *p;
  if (back_disjoint<false>(dinp, dout, nullptr, q)) return KERNO_OK;
  for_batch_channel_blocks(q, q.OH * q.OW * q.KH * q.KW * std::min(q.C, kChannelBlock),
                           [&](int64_t b, int64_t c0, int64_t c1) { avg_back_block(dinp, dout, q, b, c0, c1); });
  return KERNO_OK;
}

kerno_status cpu_global_avg_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(out, inp, B, S, C);
  if (s != KERNO_OK || C == 0) return s;
  parallel_for(B, std::max<int64_t>(1, 32768 / (S * C)), [&](int64_t b0, int64_t b1) {
    double acc[kChannelBlock];  // double: S can be large (e.g. 56·56) and float sums drift
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t c0 = 0; c0 < C; c0 += kChannelBlock) {
        const int64_t n = std::min(kChannelBlock, C - c0);
        for (int64_t c = 0; c < n; ++c) acc[c] = 0.0;
        for (int64_t i = 0; i < S; ++i) {
          const float* x = inp + (b * S + i) * C + c0;
          for (int64_t c = 0; c < n; ++c) acc[c] += x[c];
        }
        for (int64_t c = 0; c < n; ++c) out[b * C + c0 + c] = static_cast<float>(acc[c] / S);
      }
  });
  return KERNO_OK;
}

kerno_status cpu_global_avg_pool_backward(float* dinp, const float* dout, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(dinp, dout, B, S, C);
  if (s != KERNO_OK || C == 0) return s;
  const float n = static_cast<float>(S);
  parallel_for(B * S, std::max<int64_t>(1, 32768 / C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* g = dout + (r / S) * C;
      float* x = dinp + r * C;
      for (int64_t c = 0; c < C; ++c) x[c] += g[c] / n;
    }
  });
  return KERNO_OK;
}

kerno_status cpu_global_max_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(out, inp, B, S, C);
  if (s != KERNO_OK || C == 0) return s;
  parallel_for(B, std::max<int64_t>(1, 32768 / (S * C)), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      float* o = out + b * C;
      const float* x0 = inp + b * S * C;
      for (int64_t c = 0; c < C; ++c) o[c] = x0[c];
      for (int64_t i = 1; i < S; ++i) {
        const float* x = x0 + i * C;
        for (int64_t c = 0; c < C; ++c) o[c] = x[c] > o[c] ? x[c] : o[c];
      }
    }
  });
  return KERNO_OK;
}

kerno_status cpu_global_max_pool_backward(float* dinp, const float* dout, const float* inp, int64_t B,
                                          int64_t S, int64_t C) {
  kerno_status s = pool_check_global(dinp, dout, B, S, C);
  if (s != KERNO_OK || B == 0 || C == 0) return s;
  if (!inp) return KERNO_ERR_INVALID_ARGUMENT;
  parallel_for(B, std::max<int64_t>(1, 32768 / (S * C)), [&](int64_t b0, int64_t b1) {
    float best[kChannelBlock], share[kChannelBlock];
    int64_t ties[kChannelBlock];
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t c0 = 0; c0 < C; c0 += kChannelBlock) {
        const int64_t n = std::min(kChannelBlock, C - c0);
        const float* x0 = inp + b * S * C + c0;
        for (int64_t c = 0; c < n; ++c) best[c] = x0[c], ties[c] = 0;
        for (int64_t i = 1; i < S; ++i)
          for (int64_t c = 0; c < n; ++c) best[c] = std::max(best[c], x0[i * C + c]);
        for (int64_t i = 0; i < S; ++i)
          for (int64_t c = 0; c < n; ++c) ties[c] += x0[i * C + c] == best[c];
        for (int64_t c = 0; c < n; ++c)
          share[c] = ties[c] ? dout[b * C + c0 + c] / static_cast<float>(ties[c]) : 0.f;
        float* d0 = dinp + b * S * C + c0;
        for (int64_t i = 0; i < S; ++i)
          for (int64_t c = 0; c < n; ++c)
            if (x0[i * C + c] == best[c]) d0[i * C + c] += share[c];
      }
  });
  return KERNO_OK;
}

}  // namespace kerno
