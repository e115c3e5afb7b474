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
// The fast versions keep channels innermost so GCC vectorises every loop over C, and thread over
// (batch × output rows) for forward, and over (batch × channel blocks) for backward, where
// overlapping windows of one image write the same dinp rows.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/ops_layers.h"
#include "runtime/threadpool.h"

namespace kerno {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr int64_t kChannelBlock = 64;  // channels per backward work item (fits the stack buffers)

// Every window must hold at least one in-bounds tap, or its max/mean would be undefined.
kerno_status check_pool(const void* a, const void* b, const kerno_conv2d_params* p) {
  if (!p) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->B < 0 || p->H < 0 || p->W < 0 || p->C < 0 || p->OH < 0 || p->OW < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->KH < 1 || p->KW < 1 || p->stride_h < 1 || p->stride_w < 1) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->dilation_h != 1 || p->dilation_w != 1) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->pad_top < 0 || p->pad_left < 0 || p->pad_top >= p->KH || p->pad_left >= p->KW)
    return KERNO_ERR_INVALID_ARGUMENT;
  const bool empty = p->B == 0 || p->C == 0 || p->OH == 0 || p->OW == 0;
  if (empty) return KERNO_OK;
  if (p->H == 0 || p->W == 0) return KERNO_ERR_INVALID_ARGUMENT;
  if ((p->OH - 1) * p->stride_h - p->pad_top >= p->H || (p->OW - 1) * p->stride_w - p->pad_left >= p->W)
    return KERNO_ERR_INVALID_ARGUMENT;
  return (a && b) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

kerno_status check_global(const void* a, const void* b, int64_t B, int64_t S, int64_t C) {
  if (B < 0 || S < 1 || C < 0) return KERNO_ERR_INVALID_ARGUMENT;
  return (B == 0 || C == 0 || (a && b)) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

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

bool empty_pool(const kerno_conv2d_params* p) { return p->B == 0 || p->C == 0 || p->OH == 0 || p->OW == 0; }

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
  kerno_status s = check_pool(out, inp, p);
  if (s != KERNO_OK || empty_pool(p)) return s;
  for_each_window(*p, [&](int64_t b, int64_t o, Span sh, Span sw) {
    for (int64_t c = 0; c < p->C; ++c) out[o + c] = inp[ref_argmax(inp, *p, b, sh, sw, c)];
  });
  return KERNO_OK;
}

kerno_status ref_max_pool2d_backward(float* dinp, const float* dout, const float* inp,
                                     const kerno_conv2d_params* p) {
  kerno_status s = check_pool(dinp, dout, p);
  if (s != KERNO_OK || empty_pool(p)) return s;
  if (!inp) return KERNO_ERR_INVALID_ARGUMENT;
  for_each_window(*p, [&](int64_t b, int64_t o, Span sh, Span sw) {
    for (int64_t c = 0; c < p->C; ++c) dinp[ref_argmax(inp, *p, b, sh, sw, c)] += dout[o + c];
  });
  return KERNO_OK;
}

kerno_status ref_avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = check_pool(out, inp, p);
  if (s != KERNO_OK || empty_pool(p)) return s;
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
  kerno_status s = check_pool(dinp, dout, p);
  if (s != KERNO_OK || empty_pool(p)) return s;
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
  kerno_status s = check_global(out, inp, B, S, C);
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
  kerno_status s = check_global(dinp, dout, B, S, C);
  if (s != KERNO_OK) return s;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < S; ++i)
      for (int64_t c = 0; c < C; ++c) dinp[(b * S + i) * C + c] += dout[b * C + c] / static_cast<float>(S);
  return KERNO_OK;
}

kerno_status ref_global_max_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
  kerno_status s = check_global(out, inp, B, S, C);
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
  kerno_status s = check_global(dinp, dout, B, S, C);
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

// One output row (b, oh) of max or average pooling: out (OW,C).
template <bool kMax>
void pool_row(float* out, const float* inp, const kerno_conv2d_params& p, int64_t b, int64_t oh) {
  const int64_t C = p.C;
  Span sh = span(oh, p.stride_h, p.pad_top, p.KH, p.H);
  for (int64_t ow = 0; ow < p.OW; ++ow) {
    Span sw = span(ow, p.stride_w, p.pad_left, p.KW, p.W);
    float* o = out + ow * C;
    // Max starts from the first tap (not −inf) so a NaN there behaves as in the reference.
    const float* first = inp + ((b * p.H + sh.lo) * p.W + sw.lo) * C;
    for (int64_t c = 0; c < C; ++c) o[c] = kMax ? first[c] : 0.f;
    for (int64_t h = sh.lo; h < sh.hi; ++h)
      for (int64_t w = sw.lo; w < sw.hi; ++w) {
        const float* x = inp + ((b * p.H + h) * p.W + w) * C;
        if (kMax) {
          for (int64_t c = 0; c < C; ++c) o[c] = x[c] > o[c] ? x[c] : o[c];
        } else {
          for (int64_t c = 0; c < C; ++c) o[c] += x[c];
        }
      }
    if (!kMax) {
      const float n = taps(sh, sw);
      for (int64_t c = 0; c < C; ++c) o[c] /= n;
    }
  }
}

template <bool kMax>
kerno_status pool_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = check_pool(out, inp, p);
  if (s != KERNO_OK || empty_pool(p)) return s;
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

}  // namespace

kerno_status cpu_max_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  return pool_forward<true>(out, inp, p);
}

kerno_status cpu_avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  return pool_forward<false>(out, inp, p);
}

kerno_status cpu_max_pool2d_backward(float* dinp, const float* dout, const float* inp,
                                     const kerno_conv2d_params* p) {
  kerno_status s = check_pool(dinp, dout, p);
  if (s != KERNO_OK || empty_pool(p)) return s;
  if (!inp) return KERNO_ERR_INVALID_ARGUMENT;
  const kerno_conv2d_params q = *p;
  for_batch_channel_blocks(q, q.OH * q.OW * q.KH * q.KW * std::min(q.C, kChannelBlock),
                           [&](int64_t b, int64_t c0, int64_t c1) { max_back_block(dinp, dout, inp, q, b, c0, c1); });
  return KERNO_OK;
}

kerno_status cpu_avg_pool2d_backward(float* dinp, const float* dout, const kerno_conv2d_params* p) {
  kerno_status s = check_pool(dinp, dout, p);
  if (s != KERNO_OK || empty_pool(p)) return s;
  const kerno_conv2d_params q = *p;
  for_batch_channel_blocks(q, q.OH * q.OW * q.KH * q.KW * std::min(q.C, kChannelBlock),
                           [&](int64_t b, int64_t c0, int64_t c1) { avg_back_block(dinp, dout, q, b, c0, c1); });
  return KERNO_OK;
}

kerno_status cpu_global_avg_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
  kerno_status s = check_global(out, inp, B, S, C);
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
  kerno_status s = check_global(dinp, dout, B, S, C);
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
  kerno_status s = check_global(out, inp, B, S, C);
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
  kerno_status s = check_global(dinp, dout, B, S, C);
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
