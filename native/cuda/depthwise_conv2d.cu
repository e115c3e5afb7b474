// Depthwise 2-D convolution on the GPU (Keras DepthwiseConv2D, channels-last), the CUDA twin of
// native/cpu/depthwise_conv2d.cc. B = batch, H, W = input spatial, C = input channels,
// M = depth multiplier (p->K), CM = C·M output channels, OH, OW = output spatial, KH, KW = kernel.
//
//   out (B,OH,OW,CM)[b,oh,ow,c·M+m] = Σ_{kh,kw} inp[b, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, c]
//                                     · kernel (KH,KW,C,M)[kh,kw,c,m] + bias[c·M+m]
//
// No reduction over channels, so no GEMM: forward is one thread per output element (channels
// fastest, so a warp reads contiguous inputs and kernel rows); backward-data gathers, per input
// element, the outputs whose windows read it (one owner per dinp element: no atomics);
// backward-filter reduces over all pixels per (tap, channel) with pixel splits written to scratch
// and added in split order (deterministic), dbias riding along in the first tap's blocks.
#include <algorithm>
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cuda/activation.cuh"
#include "cuda/common.cuh"
#include "cuda/conv_ops.h"
#include "cuda/split_reduce.h"

namespace kerno::cuda {

using checks::conv2d_check;

namespace {

struct DwGeo {
  int64_t B, H, W, C, M, CM, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl;
};

DwGeo make_geo(const kerno_conv2d_params& p) {
  return DwGeo{p.B,  p.H,  p.W,        p.C,        p.K,        p.C * p.K,  p.OH,      p.OW,
               p.KH, p.KW, p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, p.pad_top, p.pad_left};
}

__global__ void dw_forward_kernel(float* __restrict__ out, const float* __restrict__ inp,
                                  const float* __restrict__ kernel, const float* __restrict__ bias,
                                  const __grid_constant__ DwGeo g, int act, float alpha) {
  const int64_t total = g.B * g.OH * g.OW * g.CM;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    int64_t j, ow, oh, c, m;
    int64_t pix = div_mod(i, g.CM, &j), t = div_mod(pix, g.OW, &ow), b = div_mod(t, g.OH, &oh);
    c = div_mod(j, g.M, &m);
    float acc = bias ? __ldg(bias + j) : 0.f;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      int64_t ih = oh * g.sh - g.pt + kh * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      const float* row = inp + (b * g.H + ih) * g.W * g.C + c;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        int64_t iw = ow * g.sw - g.pl + kw * g.dw;
        if (iw < 0 || iw >= g.W) continue;
        acc += __ldg(row + iw * g.C) * __ldg(kernel + (kh * g.KW + kw) * g.CM + j);
      }
    }
    out[i] = act_apply(acc, act, alpha);
  }
}

// dinp (B,H,W,C)[i] += Σ over the (window, m) pairs that read input element i.
__global__ void dw_backward_data_kernel(float* __restrict__ dinp, const float* __restrict__ dout,
                                        const float* __restrict__ kernel, const __grid_constant__ DwGeo g) {
  const int64_t total = g.B * g.H * g.W * g.C;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    int64_t c, iw, ih;
    int64_t pix = div_mod(i, g.C, &c), t = div_mod(pix, g.W, &iw), b = div_mod(t, g.H, &ih);
    float acc = 0.f;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      int64_t th = ih + g.pt - kh * g.dh, rh;
      if (th < 0) break;  // larger kh only go further up
      int64_t oh = div_mod(th, g.sh, &rh);
      if (rh != 0 || oh >= g.OH) continue;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        int64_t tw = iw + g.pl - kw * g.dw, rw;
        if (tw < 0) break;
        int64_t ow = div_mod(tw, g.sw, &rw);
        if (rw != 0 || ow >= g.OW) continue;
        const float* d = dout + ((b * g.OH + oh) * g.OW + ow) * g.CM + c * g.M;
        const float* k = kernel + (kh * g.KW + kw) * g.CM + c * g.M;
        for (int64_t m = 0; m < g.M; ++m) acc += __ldg(d + m) * __ldg(k + m);
      }
    }
    dinp[i] += acc;
  }
}

// Pixel split blockIdx.z, tap blockIdx.y, output channels blockIdx.x·32 + [0, 32): a block of
// 32 channel lanes × 8 pixel lanes sums d·x (ws_k, when given) and, in tap 0's blocks, d (ws_b,
// when given) over its pixels; the 8 pixel lanes are added in lane order.
//   ws_k (splits, taps, CM) where taps = KH·KW (the dkernel layout per split); ws_b (splits, CM).
__global__ void dw_filter_partial_kernel(float* __restrict__ ws_k, float* __restrict__ ws_b,
                                         const float* __restrict__ dout, const float* __restrict__ inp,
                                         const __grid_constant__ DwGeo g, int64_t chunk) {
  __shared__ float sk[8][33], sb[8][33];
  const int64_t j = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const int64_t tap = blockIdx.y, taps = gridDim.y, P = g.B * g.OH * g.OW;
  const int64_t p0 = static_cast<int64_t>(blockIdx.z) * chunk, p1 = min(P, p0 + chunk);
  const bool do_b = ws_b && tap == 0;
  float ak = 0.f, ab = 0.f;
  if (j < g.CM) {
    int64_t m;
    const int64_t c = div_mod(j, g.M, &m);
    int64_t kw;
    const int64_t kh = div_mod(tap, g.KW, &kw);
    const int64_t h_off = kh * g.dh - g.pt, w_off = kw * g.dw - g.pl;
    for (int64_t p = p0 + threadIdx.y; p < p1; p += 8) {
      const float d = __ldg(dout + p * g.CM + j);
      if (do_b) ab += d;
      if (ws_k) {
        int64_t ow, oh;
        int64_t t = div_mod(p, g.OW, &ow), b = div_mod(t, g.OH, &oh);
        int64_t ih = oh * g.sh + h_off, iw = ow * g.sw + w_off;
        if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) ak += d * __ldg(inp + ((b * g.H + ih) * g.W + iw) * g.C + c);
      }
    }
  }
  sk[threadIdx.y][threadIdx.x] = ak;
  sb[threadIdx.y][threadIdx.x] = ab;
  __syncthreads();
  if (threadIdx.y != 0 || j >= g.CM) return;
  float tk = 0.f, tb = 0.f;
  for (int y = 0; y < 8; ++y) tk += sk[y][threadIdx.x], tb += sb[y][threadIdx.x];
  if (ws_k) ws_k[(blockIdx.z * taps + tap) * g.CM + j] = tk;
  if (do_b) ws_b[blockIdx.z * g.CM + j] = tb;
}

// One backward-filter (and/or bias) reduction, planned on the host and run inside with_scratch.
struct FilterPlan {
  float* dkernel;  // may be NULL
  float* dbias;    // may be NULL
  const float* dout;
  const float* inp;
  DwGeo g;
  int64_t taps;    // KH·KW when dkernel is given, else 1 (bias only)
  int64_t splits, chunk;
};

kerno_status run_filter(void* scratch, void* ctx) {
  const FilterPlan& f = *static_cast<const FilterPlan*>(ctx);
  const int64_t nk = f.taps * f.g.CM;
  float* ws_k = f.dkernel ? static_cast<float*>(scratch) : nullptr;
  float* ws_b = f.dbias ? static_cast<float*>(scratch) + (f.dkernel ? f.splits * nk : 0) : nullptr;
  dim3 grid(static_cast<unsigned>(ceil_div(f.g.CM, 32)), static_cast<unsigned>(f.taps), static_cast<unsigned>(f.splits));
  dw_filter_partial_kernel<<<grid, dim3(32, 8), 0, stream()>>>(ws_k, ws_b, f.dout, f.inp, f.g, f.chunk);
  KERNO_CUDA_TRY(launch_status());
  if (ws_k) KERNO_CUDA_TRY(add_split_sums(f.dkernel, ws_k, nk, f.splits));
  if (ws_b) KERNO_CUDA_TRY(add_split_sums(f.dbias, ws_b, f.g.CM, f.splits));
  return KERNO_OK;
}

constexpr int64_t kMaxPartialFloats = int64_t{1} << 24;  // 64 MiB of split partials at most

}  // namespace

kerno_status depthwise_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                      const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, out && inp && kernel);
  if (s != KERNO_OK) return s;
  if (!act_kind_valid(p->act.kind)) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->B == 0) return KERNO_OK;
  const DwGeo g = make_geo(*p);
  const int64_t total = g.B * g.OH * g.OW * g.CM;
  dw_forward_kernel<<<grid_for(total), 256, 0, stream()>>>(out, inp, kernel, bias, g, p->act.kind, p->act.alpha);
  return launch_status();
}

kerno_status depthwise_conv2d_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                       const float* inp, const float* kernel, const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dout && (!dinp || kernel) && (!dkernel || inp));
  if (s != KERNO_OK || p->B == 0) return s;
  const DwGeo g = make_geo(*p);
  if (dinp) {
    dw_backward_data_kernel<<<grid_for(g.B * g.H * g.W * g.C), 256, 0, stream()>>>(dinp, dout, kernel, g);
    KERNO_CUDA_TRY(launch_status());
  }
  if (!dkernel && !dbias) return KERNO_OK;
  FilterPlan f{dkernel, dbias, dout, inp, g, dkernel ? g.KH * g.KW : 1, 1, 1};
  if (f.taps > 65535 || ceil_div(g.CM, 32) > 0x7fffffff) return KERNO_ERR_UNSUPPORTED;
  // Pixel splits: about four blocks per SM in all, at least 64 pixels each, partials bounded.
  const int64_t P = g.B * g.OH * g.OW, per_split = ceil_div(g.CM, 32) * f.taps, nk = f.taps * g.CM;
  int64_t want = ceil_div(4 * static_cast<int64_t>(device_sm_count()), per_split);
  want = std::min({want, ceil_div(P, 64), std::max<int64_t>(1, kMaxPartialFloats / (nk + g.CM)), int64_t{65535}});
  want = std::max<int64_t>(want, 1);
  f.chunk = ceil_div(P, want);
  f.splits = ceil_div(P, f.chunk);
  const size_t bytes = static_cast<size_t>(f.splits) * static_cast<size_t>((dkernel ? nk : 0) + (dbias ? g.CM : 0)) * sizeof(float);
  return with_scratch(bytes, run_filter, &f);
}

}  // namespace kerno::cuda
