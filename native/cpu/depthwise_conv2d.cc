// Depthwise 2-D convolution, forward and backward (Keras DepthwiseConv2D, channels-last).
// B = batch, H, W = input spatial, C = input channels, M = depth multiplier (p->K), CM = C·M
// output channels, OH, OW = output spatial, KH, KW = kernel spatial.
//
//   out (B,OH,OW,CM)[b,oh,ow,c·M+m] = Σ_{kh,kw} inp (B,H,W,C)[b, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, c]
//                                     · kernel (KH,KW,C,M)[kh,kw,c,m] + bias (CM)[c·M+m]
//
// Each output channel reads one input channel, so there is no reduction over C for a GEMM to
// exploit: the fast version runs direct loops whose innermost loop walks the contiguous channel
// axis (vectorised by the compiler), threaded over rows of pixels. The fused activation
// (kerno_conv2d_params.act) runs on each finished output row while it is in cache.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cpu/conv2d_epilogue.h"
#include "cpu/conv2d_geo.h"
#include "cpu/ops_conv.h"
#include "runtime/aligned_alloc.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::conv2d_check;
using conv2d::for_each_tap;

namespace {

struct Geo {
  int64_t B, H, W, C, M, CM, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl;
  explicit Geo(const kerno_conv2d_params& p)
      : B(p.B), H(p.H), W(p.W), C(p.C), M(p.K), CM(p.C * p.K), OH(p.OH), OW(p.OW), KH(p.KH), KW(p.KW),
        sh(p.stride_h), sw(p.stride_w), dh(p.dilation_h), dw(p.dilation_w), pt(p.pad_top), pl(p.pad_left) {}
};


// o (CM) += x (C) ⊙ k (CM) with each x[c] feeding M outputs.
inline void tap_forward(float* o, const float* x, const float* k, int64_t C, int64_t M) {
  if (M == 1) {
    for (int64_t c = 0; c < C; ++c) o[c] += x[c] * k[c];
    return;
  }
  for (int64_t c = 0; c < C; ++c)
    for (int64_t m = 0; m < M; ++m) o[c * M + m] += x[c] * k[c * M + m];
}

// dx (C) += Σ_m d (CM) ⊙ k (CM) over each channel's M outputs.
inline void tap_backward_data(float* dx, const float* d, const float* k, int64_t C, int64_t M) {
  if (M == 1) {
    for (int64_t c = 0; c < C; ++c) dx[c] += d[c] * k[c];
    return;
  }
  for (int64_t c = 0; c < C; ++c) {
    float acc = 0.f;
    for (int64_t m = 0; m < M; ++m) acc += d[c * M + m] * k[c * M + m];
    dx[c] += acc;
  }
}

// dk (CM) += x (C) ⊙ d (CM) with each x[c] feeding M outputs.
inline void tap_backward_filter(float* dk, const float* x, const float* d, int64_t C, int64_t M) {
  tap_forward(dk, x, d, C, M);
}

// out row (OW,CM) of output row (b,oh).
void forward_row(float* out, const float* inp, const float* kernel, const float* bias, const Geo& g,
                 int64_t b, int64_t oh) {
  for (int64_t ow = 0; ow < g.OW; ++ow) {
    float* o = out + ((b * g.OH + oh) * g.OW + ow) * g.CM;
    if (bias) std::memcpy(o, bias, static_cast<size_t>(g.CM) * sizeof(float));
    else std::memset(o, 0, static_cast<size_t>(g.CM) * sizeof(float));
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      int64_t ih = oh * g.sh - g.pt + kh * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        int64_t iw = ow * g.sw - g.pl + kw * g.dw;
        if (iw < 0 || iw >= g.W) continue;
        tap_forward(o, inp + ((b * g.H + ih) * g.W + iw) * g.C, kernel + (kh * g.KW + kw) * g.CM, g.C, g.M);
      }
    }
  }
}

// dinp row (W,C) of input row (b,ih) += everything the windows read from it: gathered per input
// row so threads own disjoint rows of dinp.
void backward_data_row(float* dinp, const float* dout, const float* kernel, const Geo& g, int64_t b,
                       int64_t ih) {
  for (int64_t iw = 0; iw < g.W; ++iw) {
    float* dx = dinp + ((b * g.H + ih) * g.W + iw) * g.C;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      int64_t t = ih + g.pt - kh * g.dh;
      if (t < 0) break;
      if (t % g.sh != 0 || t / g.sh >= g.OH) continue;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        int64_t u = iw + g.pl - kw * g.dw;
        if (u < 0) break;
        if (u % g.sw != 0 || u / g.sw >= g.OW) continue;
        const float* d = dout + ((b * g.OH + t / g.sh) * g.OW + u / g.sw) * g.CM;
        tap_backward_data(dx, d, kernel + (kh * g.KW + kw) * g.CM, g.C, g.M);
      }
    }
  }
}

// dk (KH,KW,C,M) and db (CM, may be NULL) += the contributions of output row (b,oh).
void backward_filter_row(float* dk, float* db, const float* dout, const float* inp, const Geo& g, int64_t b,
                         int64_t oh) {
  for (int64_t ow = 0; ow < g.OW; ++ow) {
    const float* d = dout + ((b * g.OH + oh) * g.OW + ow) * g.CM;
    if (db)
      for (int64_t j = 0; j < g.CM; ++j) db[j] += d[j];
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      int64_t ih = oh * g.sh - g.pt + kh * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        int64_t iw = ow * g.sw - g.pl + kw * g.dw;
        if (iw < 0 || iw >= g.W) continue;
        tap_backward_filter(dk + (kh * g.KW + kw) * g.CM, inp + ((b * g.H + ih) * g.W + iw) * g.C, d, g.C, g.M);
      }
    }
  }
}

// Rows per parallel chunk: about 16K multiply-adds.
int64_t row_grain(int64_t per_row) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(per_row, 1)); }

// dkernel and dbias are reductions over every pixel: each thread sums its share of output rows
// into a private zeroed buffer (KH·KW·CM + CM floats), which are then added in thread order.
kerno_status backward_filter(float* dkernel, float* dbias, const float* dout, const float* inp, const Geo& g) {
  int64_t nk = g.KH * g.KW * g.CM, stride = nk + g.CM, rows = g.B * g.OH;
  int nt = static_cast<int>(std::min<int64_t>(num_threads(), std::max<int64_t>(1, rows * g.OW * nk / 65536)));
  float* part = thread_scratch(kScratchCall, static_cast<size_t>(stride * nt));
  if (!part) return KERNO_ERR_OUT_OF_MEMORY;
  std::memset(part, 0, static_cast<size_t>(stride * nt) * sizeof(float));
  struct Ctx {
    float* part;
    const float *dout, *inp;
    const Geo* g;
    int64_t stride, nk, rows;
    bool bias;
  } ctx{part, dout, inp, &g, stride, nk, rows, dbias != nullptr};
  parallel_run(
      nt,
      [](void* c, int tid, int n) {
        auto* x = static_cast<Ctx*>(c);
        float* dk = x->part + tid * x->stride;
        for (int64_t r = x->rows * tid / n; r < x->rows * (tid + 1) / n; ++r)
          backward_filter_row(dk, x->bias ? dk + x->nk : nullptr, x->dout, x->inp, *x->g, r / x->g->OH,
                              r % x->g->OH);
      },
      &ctx);
  for (int t = 0; t < nt; ++t) {
    const float* src = part + t * stride;
    for (int64_t i = 0; i < nk; ++i) dkernel[i] += src[i];
    if (dbias)
      for (int64_t j = 0; j < g.CM; ++j) dbias[j] += src[nk + j];
  }
  return KERNO_OK;
}

}  // namespace

// ---------------------------------------------------------------- scalar reference -----------

kerno_status ref_depthwise_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                          const kerno_conv2d_params* p) {
  kerno_status s = conv_check_forward(p, out && inp && kernel);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  const int64_t P = g.B * g.OH * g.OW;
  for (int64_t o = 0; o < P; ++o)
    for (int64_t j = 0; j < g.CM; ++j) out[o * g.CM + j] = bias ? bias[j] : 0.f;
  // Output channel j = c·M + m reads input channel c only.
  for_each_tap(g, [&](int64_t o, int64_t t, int64_t i) {
    for (int64_t j = 0; j < g.CM; ++j) out[o * g.CM + j] += inp[i * g.C + j / g.M] * kernel[t * g.CM + j];
  });
  if (p->act.kind == KERNO_ACT_LINEAR) return KERNO_OK;
  return ref_activation_forward(out, out, P * g.CM, &p->act);
}

kerno_status ref_depthwise_conv2d_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                           const float* inp, const float* kernel, const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dout && (!dinp || kernel) && (!dkernel || inp));
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  if (dbias)
    for (int64_t o = 0; o < g.B * g.OH * g.OW; ++o)
      for (int64_t j = 0; j < g.CM; ++j) dbias[j] += dout[o * g.CM + j];
  for_each_tap(g, [&](int64_t o, int64_t t, int64_t i) {
    for (int64_t j = 0; j < g.CM; ++j) {
      const float d = dout[o * g.CM + j];
      const int64_t xi = i * g.C + j / g.M, ki = t * g.CM + j;
      if (dinp) dinp[xi] += d * kernel[ki];
      if (dkernel) dkernel[ki] += d * inp[xi];
    }
  });
  return KERNO_OK;
}

// ---------------------------------------------------------------- direct, threaded -----------

kerno_status cpu_depthwise_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                          const kerno_conv2d_params* p) {
  kerno_status s = conv_check_forward(p, out && inp && kernel);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  const kerno_activation_params act = p->act;
  parallel_for(g.B * g.OH, row_grain(g.OW * g.KH * g.KW * g.CM), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      forward_row(out, inp, kernel, bias, g, r / g.OH, r % g.OH);
      conv_output_stage(out + r * g.OW * g.CM, nullptr, g.OW, g.CM, act);  // bias is already in
    }
  });
  return KERNO_OK;
}

kerno_status cpu_depthwise_conv2d_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                           const float* inp, const float* kernel, const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dout && (!dinp || kernel) && (!dkernel || inp));
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  if (dinp)
    parallel_for(g.B * g.H, row_grain(g.W * g.KH * g.KW * g.CM), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) backward_data_row(dinp, dout, kernel, g, r / g.H, r % g.H);
    });
  if (dkernel) return backward_filter(dkernel, dbias, dout, inp, g);
  if (dbias)  // bias alone: a column sum of dout (P,CM)
    for (int64_t r = 0; r < g.B * g.OH * g.OW; ++r)
      for (int64_t j = 0; j < g.CM; ++j) dbias[j] += dout[r * g.CM + j];
  return KERNO_OK;
}

}  // namespace kerno
