// 2-D max/average pooling and global pooling over NHWC tensors on the GPU, the CUDA twin of
// native/cpu/pool.cc, with the same semantics bit for bit where the order of operations allows:
// B = batch, H, W = input spatial, C = channels, OH, OW = output spatial, KH, KW = window,
// S = spatial positions (H·W) for global pooling.
//  - window (oh, ow) covers rows [oh·stride_h − pad_top, … + KH) ∩ [0, H), columns likewise:
//    padding never wins a max and is not counted in an average;
//  - max pooling scans the window in row-major order from its first tap and takes strictly
//    greater values, so its gradient goes to the FIRST maximum (TensorFlow's MaxPoolGrad) and a
//    NaN only wins from the first tap, exactly as the CPU;
//  - global max pooling shares dout equally among tied maxima (TF's reduce_max gradient); its
//    maximum is NaN iff the first position is NaN (the CPU's scan), else the max of the others.
// Backward kernels gather: each dinp element loops over the windows that contain it, recomputes
// their routing and adds their contributions in window order starting from the value already in
// dinp, the CPU's order of additions, so there are no atomics and results are deterministic.
// One thread per element, channels fastest (contiguous warps).
#include <cmath>
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cuda/common.cuh"
#include "cuda/conv_ops.h"

namespace kerno::cuda {

// Validation shared with the CPU.
using checks::pool_check;
using checks::pool_check_global;
using checks::pool_empty;

namespace {

struct PoolGeo {
  int64_t B, H, W, C, OH, OW, KH, KW, sh, sw, pt, pl;
};

// In-bounds tap range [lo, hi) of window o along one axis (never empty once validated).
struct Span {
  int64_t lo, hi;
};
__device__ __forceinline__ Span span(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t n) {
  int64_t s = o * stride - pad;
  return {s > 0 ? s : 0, s + k < n ? s + k : n};
}

// Output windows [lo, hi] along one axis that contain input position i (empty when lo > hi).
__device__ __forceinline__ Span windows_of(int64_t i, int64_t stride, int64_t pad, int64_t k, int64_t out) {
  int64_t t = i + pad - k + 1, r;  // o·stride ≥ t
  int64_t lo = t <= 0 ? 0 : div_mod(t + stride - 1, stride, &r);
  int64_t hi = div_mod(i + pad, stride, &r);  // o·stride ≤ i + pad
  return {lo, hi < out - 1 ? hi : out - 1};
}

// Flat index in inp of the first maximum of image b's window sh × sw, channel c.
__device__ __forceinline__ int64_t window_argmax(const float* __restrict__ inp, const PoolGeo& g, int64_t b,
                                                 Span sh, Span sw, int64_t c) {
  int64_t best = ((b * g.H + sh.lo) * g.W + sw.lo) * g.C + c;
  float bv = __ldg(inp + best);
  for (int64_t h = sh.lo; h < sh.hi; ++h)
    for (int64_t w = sw.lo; w < sw.hi; ++w) {
      int64_t i = ((b * g.H + h) * g.W + w) * g.C + c;
      float x = __ldg(inp + i);
      if (x > bv) bv = x, best = i;
    }
  return best;
}

template <bool kMax>
__global__ void pool_forward_kernel(float* __restrict__ out, const float* __restrict__ inp, const __grid_constant__ PoolGeo g) {
  const int64_t total = g.B * g.OH * g.OW * g.C;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    int64_t c, ow, oh;
    int64_t pix = div_mod(i, g.C, &c), t = div_mod(pix, g.OW, &ow), b = div_mod(t, g.OH, &oh);
    Span sh = span(oh, g.sh, g.pt, g.KH, g.H), sw = span(ow, g.sw, g.pl, g.KW, g.W);
    if (kMax) {
      out[i] = __ldg(inp + window_argmax(inp, g, b, sh, sw, c));
    } else {
      float acc = 0.f;
      for (int64_t h = sh.lo; h < sh.hi; ++h)
        for (int64_t w = sw.lo; w < sw.hi; ++w) acc += __ldg(inp + ((b * g.H + h) * g.W + w) * g.C + c);
      out[i] = acc / static_cast<float>((sh.hi - sh.lo) * (sw.hi - sw.lo));
    }
  }
}

// dinp[i] += dout of every window containing input element i that routes to it (max: i is the
// window's first maximum; avg: always, divided by the window's in-bounds taps). kRelu (max only,
// max_pool2d_relu_backward): dinp[i] is written, 0 + Σ·relu'(inp[i]), as the CPU's two passes.
template <bool kMax, bool kRelu = false>
__global__ void pool_backward_kernel(float* __restrict__ dinp, const float* __restrict__ dout,
                                     const float* __restrict__ inp, const __grid_constant__ PoolGeo g) {
  const int64_t total = g.B * g.H * g.W * g.C;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    int64_t c, iw, ih;
    int64_t pix = div_mod(i, g.C, &c), t = div_mod(pix, g.W, &iw), b = div_mod(t, g.H, &ih);
    Span wh = windows_of(ih, g.sh, g.pt, g.KH, g.OH), ww = windows_of(iw, g.sw, g.pl, g.KW, g.OW);
    float acc = kRelu ? 0.f : dinp[i];
    bool touched = false;
    for (int64_t oh = wh.lo; oh <= wh.hi; ++oh) {
      Span sh = span(oh, g.sh, g.pt, g.KH, g.H);
      for (int64_t ow = ww.lo; ow <= ww.hi; ++ow) {
        Span sw = span(ow, g.sw, g.pl, g.KW, g.W);
        const float d = __ldg(dout + ((b * g.OH + oh) * g.OW + ow) * g.C + c);
        if (kMax) {
          if (window_argmax(inp, g, b, sh, sw, c) != i) continue;
          acc += d;
        } else {
          acc += d / static_cast<float>((sh.hi - sh.lo) * (sw.hi - sw.lo));
        }
        touched = true;
      }
    }
    if (kRelu) dinp[i] = 0.f + acc * (__ldg(inp + i) > 0.f ? 1.f : 0.f);
    else if (touched) dinp[i] = acc;
  }
}

// Global pooling: a block is 32 channel lanes × 8 position lanes for image blockIdx.y (+ k·gridDim.y).

// out (B,C) = mean over S in double, the 8 lanes added in lane order.
__global__ void global_avg_forward_kernel(float* __restrict__ out, const float* __restrict__ inp, int64_t B, int64_t S,
                                          int64_t C) {
  __shared__ double part[8][33];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  for (int64_t b = blockIdx.y; b < B; b += gridDim.y) {
    double acc = 0.0;
    if (c < C)
      for (int64_t i = threadIdx.y; i < S; i += 8) acc += __ldg(inp + (b * S + i) * C + c);
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && c < C) {
      double s = 0.0;
      for (int y = 0; y < 8; ++y) s += part[y][threadIdx.x];
      out[b * C + c] = static_cast<float>(s / static_cast<double>(S));
    }
    __syncthreads();  // part is reused by the next image
  }
}

// The CPU's maximum of column c over S: NaN iff the first position is NaN, else the largest
// non-NaN value (a strictly-greater scan from the first never takes a later NaN). Computed by the
// 8 lanes with fmaxf (which skips NaN), then combined; part is the block's shared scratch.
__device__ float column_max(const float* __restrict__ x0, int64_t S, int64_t C, bool active, float (*part)[33]) {
  float m = -INFINITY;
  if (active)
    for (int64_t i = threadIdx.y; i < S; i += 8) m = fmaxf(m, __ldg(x0 + i * C));
  part[threadIdx.y][threadIdx.x] = m;
  __syncthreads();
  float best = -INFINITY;
  for (int y = 0; y < 8; ++y) best = fmaxf(best, part[y][threadIdx.x]);
  __syncthreads();  // part may be rewritten by the caller
  if (active && isnan(__ldg(x0))) best = __ldg(x0);
  return best;
}

__global__ void global_max_forward_kernel(float* __restrict__ out, const float* __restrict__ inp, int64_t B, int64_t S,
                                          int64_t C) {
  __shared__ float part[8][33];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const bool active = c < C;
  for (int64_t b = blockIdx.y; b < B; b += gridDim.y) {
    const float* x0 = inp + b * S * C + (active ? c : 0);
    float best = column_max(x0, S, C, active, part);
    if (threadIdx.y == 0 && active) out[b * C + c] = best;
  }
}

// dinp += dout/ties at every position equal to the maximum (none when the maximum is NaN).
__global__ void global_max_backward_kernel(float* __restrict__ dinp, const float* __restrict__ dout,
                                           const float* __restrict__ inp, int64_t B, int64_t S, int64_t C) {
  __shared__ float part[8][33];
  __shared__ long long ties_part[8][33];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const bool active = c < C;
  for (int64_t b = blockIdx.y; b < B; b += gridDim.y) {
    const float* x0 = inp + b * S * C + (active ? c : 0);
    const float best = column_max(x0, S, C, active, part);
    long long n = 0;
    if (active)
      for (int64_t i = threadIdx.y; i < S; i += 8) n += __ldg(x0 + i * C) == best;
    ties_part[threadIdx.y][threadIdx.x] = n;
    __syncthreads();
    long long ties = 0;
    for (int y = 0; y < 8; ++y) ties += ties_part[y][threadIdx.x];
    __syncthreads();  // ties_part is reused by the next image
    if (!active || ties == 0) continue;
    const float share = __ldg(dout + b * C + c) / static_cast<float>(ties);
    float* d0 = dinp + b * S * C + c;
    for (int64_t i = threadIdx.y; i < S; i += 8)
      if (__ldg(x0 + i * C) == best) d0[i * C] += share;
  }
}

__global__ void global_avg_backward_kernel(float* __restrict__ dinp, const float* __restrict__ dout, int64_t B,
                                           int64_t S, int64_t C) {
  const int64_t total = B * S * C;
  const float n = static_cast<float>(S);
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    int64_t c, r;
    int64_t row = div_mod(i, C, &c), b = div_mod(row, S, &r);
    dinp[i] += __ldg(dout + b * C + c) / n;
  }
}

PoolGeo geo_of(const kerno_conv2d_params& p) {
  return PoolGeo{p.B, p.H, p.W, p.C, p.OH, p.OW, p.KH, p.KW, p.stride_h, p.stride_w, p.pad_top, p.pad_left};
}

// Grid of the global-pooling kernels: channel blocks along x, images along y (looped past 65535).
dim3 global_grid(int64_t B, int64_t C) {
  int64_t gx = (C + 31) / 32, gy = B < 65535 ? B : 65535;
  return dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy));
}

template <bool kMax>
kerno_status pool_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = pool_check(out, inp, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  const PoolGeo g = geo_of(*p);
  pool_forward_kernel<kMax><<<grid_for(g.B * g.OH * g.OW * g.C), 256, 0, stream()>>>(out, inp, g);
  return launch_status();
}

template <bool kMax>
kerno_status pool_backward(float* dinp, const float* dout, const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = pool_check(dinp, dout, p);
  if (s != KERNO_OK || pool_empty(p)) return s;
  if (kMax && !inp) return KERNO_ERR_INVALID_ARGUMENT;
  const PoolGeo g = geo_of(*p);
  pool_backward_kernel<kMax><<<grid_for(g.B * g.H * g.W * g.C), 256, 0, stream()>>>(dinp, dout, inp, g);
  return launch_status();
}

// pool_check, plus inp; an empty pooling (no windows) still writes dpre: zeros.
kerno_status relu_backward(float* dpre, const float* dout, const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = pool_check(dpre, dout, p);
  if (s != KERNO_OK) return s;
  const int64_t n = p->B * p->H * p->W * p->C;
  if (pool_empty(p)) {
    if (n == 0) return KERNO_OK;
    if (!dpre) return KERNO_ERR_INVALID_ARGUMENT;
    return to_status(cudaMemsetAsync(dpre, 0, static_cast<size_t>(n) * sizeof(float), stream()));
  }
  if (!inp) return KERNO_ERR_INVALID_ARGUMENT;
  const PoolGeo g = geo_of(*p);
  pool_backward_kernel<true, true><<<grid_for(n), 256, 0, stream()>>>(dpre, dout, inp, g);
  return launch_status();
}

}  // namespace

kerno_status max_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  return pool_forward<true>(out, inp, p);
}

kerno_status max_pool2d_backward(float* dinp, const float* dout, const float* inp, const kerno_conv2d_params* p) {
  return pool_backward<true>(dinp, dout, inp, p);
}

kerno_status max_pool2d_relu_backward(float* dpre, const float* dout, const float* inp, const kerno_conv2d_params* p) {
  return relu_backward(dpre, dout, inp, p);
}

kerno_status avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
  return pool_forward<false>(out, inp, p);
}

kerno_status avg_pool2d_backward(float* dinp, const float* dout, const kerno_conv2d_params* p) {
  return pool_backward<false>(dinp, dout, nullptr, p);
}

kerno_status global_avg_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(out, inp, B, S, C);
  if (s != KERNO_OK || B == 0 || C == 0) return s;
  global_avg_forward_kernel<<<global_grid(B, C), dim3(32, 8), 0, stream()>>>(out, inp, B, S, C);
  return launch_status();
}

kerno_status global_avg_pool_backward(float* dinp, const float* dout, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(dinp, dout, B, S, C);
  if (s != KERNO_OK || B == 0 || C == 0) return s;
  global_avg_backward_kernel<<<grid_for(B * S * C), 256, 0, stream()>>>(dinp, dout, B, S, C);
  return launch_status();
}

kerno_status global_max_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
  kerno_status s = pool_check_global(out, inp, B, S, C);
  if (s != KERNO_OK || B == 0 || C == 0) return s;
  global_max_forward_kernel<<<global_grid(B, C), dim3(32, 8), 0, stream()>>>(out, inp, B, S, C);
  return launch_status();
}

kerno_status global_max_pool_backward(float* dinp, const float* dout, const float* inp, int64_t B, int64_t S,
                                      int64_t C) {
  kerno_status s = pool_check_global(dinp, dout, B, S, C);
  if (s != KERNO_OK || B == 0 || C == 0) return s;
  if (!inp) return KERNO_ERR_INVALID_ARGUMENT;
  global_max_backward_kernel<<<global_grid(B, C), dim3(32, 8), 0, stream()>>>(dinp, dout, inp, B, S, C);
  return launch_status();
}

}  // namespace kerno::cuda
