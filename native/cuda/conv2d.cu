// 2-D convolution on the GPU (Keras Conv2D, channels-last), the CUDA twin of native/cpu/conv2d.cc.
// B = batch, H, W = input spatial, C = input channels, OH, OW = output spatial, KH, KW = kernel
// spatial, K = filters; P = B·OH·OW output pixels, D = KH·KW·C (one im2col row).
//
// All three passes are implicit GEMMs: the im2col matrix is never stored; each block gathers the
// tile of it that it needs into shared memory, straight from the NHWC tensor, while it multiplies
// the previous tile (register double buffering), and every thread keeps a TM×TN block of the
// result in registers.
//   forward          out (P,K)      = im2col (P,D) · kernel (D,K)        [+ bias, activation]
//   backward-data    dinp (BHW,C)  += dout-gather (BHW, KH·KW·K) · kernelᵀ-per-tap (KH·KW·K, C)
//                    (each input pixel gathers the output pixels whose windows read it, so every
//                    dinp element has one owner: no atomics, deterministic)
//   backward-filter  dkernel (D,K) += im2colᵀ (D,P) · dout (P,K)
//                    (P is long and D·K small, so the P axis is split over blocks; each split writes
//                    its partial (D,K) to scratch and a second pass adds the partials in split order:
//                    deterministic for a given device)
// dbias is a column sum of dout in double (per-split partials, then an ordered final pass), as the
// CPU's sum_columns.
//
// Index arithmetic inside the kernels is 32-bit (64-bit division is a slow software routine on the
// GPU); only memory offsets are 64-bit. Geometries whose pixel counts or window extents exceed
// 2^30 return KERNO_ERR_UNSUPPORTED (such a tensor holds over 2^30 floats, 4 GiB).
//
// The split reductions' helpers are in split_reduce.cu; the argument checks are
// native/cpu/arg_checks.h's, shared with the CPU.
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cuda/activation.cuh"
#include "cuda/common.cuh"
#include "cuda/conv_ops.h"
#include "cuda/dense_ops.h"
#include "cuda/split_reduce.h"

namespace kerno::cuda {

using checks::conv2d_check;

// ---------------------------------------------------------------- the implicit GEMM

namespace {

// Geometry as 32-bit ints (see make_geo for the bounds that make every product fit).
struct Geo32 {
  int B, H, W, C, OH, OW, KH, KW, K, sh, sw, dh, dw, pt, pl;
  int P, D, OHW, HW, NIN;  // B·OH·OW, KH·KW·C, OH·OW, H·W, B·H·W
};

bool make_geo(const kerno_conv2d_params& p, Geo32* g) {
  const int64_t lim = int64_t{1} << 30;  // sums of two such values still fit an int
  const int64_t ext_h = p.dilation_h * (p.KH - 1) + 1, ext_w = p.dilation_w * (p.KW - 1) + 1;
  const int64_t vals[] = {p.B * p.OH * p.OW, p.B * p.H * p.W, p.KH * p.KW * p.C, p.KH * p.KW * p.K, p.K,
                          ext_h, ext_w, p.OH * p.stride_h, p.OW * p.stride_w, p.H, p.W, p.C};
  for (int64_t v : vals)
    if (v > lim) return false;
  *g = Geo32{static_cast<int>(p.B), static_cast<int>(p.H), static_cast<int>(p.W), static_cast<int>(p.C),
             static_cast<int>(p.OH), static_cast<int>(p.OW), static_cast<int>(p.KH), static_cast<int>(p.KW),
             static_cast<int>(p.K), static_cast<int>(p.stride_h), static_cast<int>(p.stride_w),
             static_cast<int>(p.dilation_h), static_cast<int>(p.dilation_w), static_cast<int>(p.pad_top),
             static_cast<int>(p.pad_left), static_cast<int>(p.B * p.OH * p.OW), static_cast<int>(p.KH * p.KW * p.C),
             static_cast<int>(p.OH * p.OW), static_cast<int>(p.H * p.W), static_cast<int>(p.B * p.H * p.W)};
  return true;
}

constexpr int kThreads = 256;
constexpr int kPad = 4;  // floats of padding per shared row: breaks the bank conflicts of the
                         // k-fastest tile stores while keeping rows 16-byte aligned for float4 reads

// A block computes a BM×BN tile of the result, BK reduction steps per shared tile; each thread a
// TM×TN register block, taken as TM/4 (TN/4) groups of 4 consecutive rows (columns) spaced
// BM/(TM/4) apart, so a warp's float4 reads of a shared row hit distinct banks.
template <int BM_, int BN_, int TM_, int TN_>
struct Cfg {
  static constexpr int BM = BM_, BN = BN_, BK = 8, TM = TM_, TN = TN_;
  static constexpr int TX = BN / TN, TY = BM / TM, NT = TX * TY;
  static constexpr int LDA = BM + kPad, LDB = BN + kPad;
  static_assert(NT == kThreads, "one block is 256 threads");
  static_assert(TM % 4 == 0 && TN % 4 == 0, "register blocks are groups of 4");
  __device__ static int row(int ty, int i) { return (i / 4) * (BM / (TM / 4)) + ty * 4 + (i % 4); }
  __device__ static int col(int tx, int j) { return (j / 4) * (BN / (TN / 4)) + tx * 4 + (j % 4); }
};
using CfgL = Cfg<128, 128, 8, 8>;  // N > 64
using CfgM = Cfg<128, 64, 8, 4>;   // 32 < N ≤ 64
using CfgS = Cfg<128, 32, 4, 4>;   // N ≤ 32 (a first layer's 32 filters, or C ≤ 32 in backward-data)

// Shared tiles: As[k][m] (the A tile transposed, so a thread's TM rows of one k are contiguous),
// Bs[k][n]. Loaders fetch the next tile into registers (global loads in flight during the FMAs)
// and store it to the other buffer afterwards; one barrier per step suffices because a buffer is
// rewritten only after every thread passed the barrier that ended its last read.
template <class C, class LA, class LB>
__device__ __forceinline__ void mainloop(LA& la, LB& lb, int r_begin, int r_end, float (&acc)[C::TM][C::TN]) {
  __shared__ __align__(16) float As[2][C::BK * C::LDA];
  __shared__ __align__(16) float Bs[2][C::BK * C::LDB];
  const int tx = threadIdx.x % C::TX, ty = threadIdx.x / C::TX;
  la.fetch(r_begin, r_end);
  lb.fetch(r_begin, r_end);
  la.store(As[0]);
  lb.store(Bs[0]);
  __syncthreads();
  int buf = 0;
  for (int r0 = r_begin; r0 < r_end; r0 += C::BK) {
    const bool more = r0 + C::BK < r_end;
    if (more) {
      la.fetch(r0 + C::BK, r_end);
      lb.fetch(r0 + C::BK, r_end);
    }
    const float* as = As[buf];
    const float* bs = Bs[buf];
#pragma unroll
    for (int k = 0; k < C::BK; ++k) {
      float a[C::TM], b[C::TN];
#pragma unroll
      for (int i = 0; i < C::TM; i += 4) {
        float4 v = *reinterpret_cast<const float4*>(as + k * C::LDA + C::row(ty, i));
        a[i] = v.x, a[i + 1] = v.y, a[i + 2] = v.z, a[i + 3] = v.w;
      }
#pragma unroll
      for (int j = 0; j < C::TN; j += 4) {
        float4 v = *reinterpret_cast<const float4*>(bs + k * C::LDB + C::col(tx, j));
        b[j] = v.x, b[j + 1] = v.y, b[j + 2] = v.z, b[j + 3] = v.w;
      }
#pragma unroll
      for (int i = 0; i < C::TM; ++i)
#pragma unroll
        for (int j = 0; j < C::TN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    if (more) {
      la.store(As[buf ^ 1]);
      lb.store(Bs[buf ^ 1]);
    }
    __syncthreads();
    buf ^= 1;
  }
}

// ---- tile loaders. Each knows which global element lands in which shared slot; the mapping of
// threads to elements is chosen so a warp's global loads are contiguous (channels, filters) and
// its shared stores conflict-free.

// Forward A: rows = output pixels m, reduction = im2col columns d = (kh,kw,c). 8 consecutive
// threads take 8 consecutive d of one pixel (contiguous channels); a thread keeps its pixels'
// window origins for the whole block and decomposes its d once per step.
template <class C>
struct FwdA {
  static constexpr int RPP = C::NT / C::BK, N = C::BM / RPP;
  const Geo32* g;
  const float* inp;
  int kc, row0;
  int ih0[N], iw0[N];
  int64_t base[N];  // offset of the pixel's image in inp, −1 past P
  float v[N];
  __device__ FwdA(const Geo32* geo, const float* in, int m0) : g(geo), inp(in) {
    kc = threadIdx.x % C::BK, row0 = threadIdx.x / C::BK;
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int m = m0 + row0 + i * RPP;
      ih0[i] = iw0[i] = 0, base[i] = -1;
      if (m < g->P) {
        int b = m / g->OHW, r = m - b * g->OHW, oh = r / g->OW, ow = r - oh * g->OW;
        ih0[i] = oh * g->sh - g->pt, iw0[i] = ow * g->sw - g->pl;
        base[i] = static_cast<int64_t>(b) * g->HW * g->C;
      }
    }
  }
  __device__ void fetch(int r0, int r_end) {
    int d = r0 + kc;
    if (d >= r_end) {
#pragma unroll
      for (int i = 0; i < N; ++i) v[i] = 0.f;
      return;
    }
    int t = d / g->C, c = d - t * g->C, kh = t / g->KW, kw = t - kh * g->KW;
    int oh_off = kh * g->dh, ow_off = kw * g->dw;
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int ih = ih0[i] + oh_off, iw = iw0[i] + ow_off;
      bool in = base[i] >= 0 && static_cast<unsigned>(ih) < static_cast<unsigned>(g->H) &&
                static_cast<unsigned>(iw) < static_cast<unsigned>(g->W);
      v[i] = in ? __ldg(inp + base[i] + (static_cast<int64_t>(ih) * g->W + iw) * g->C + c) : 0.f;
    }
  }
  __device__ void store(float* as) {
#pragma unroll
    for (int i = 0; i < N; ++i) as[kc * C::LDA + row0 + i * RPP] = v[i];
  }
};

// B from a dense row-major (rows, ncols) matrix (the forward's kernel (D,K), backward-filter's
// dout (P,K)): consecutive threads take consecutive columns.
template <class C>
struct DenseB {
  static constexpr int RPP = C::NT / C::BN, N = C::BK / RPP;
  static_assert(C::NT % C::BN == 0 && C::BK % RPP == 0, "B tile mapping");
  const float* src;
  int ncols, nc, rr0;
  bool col_ok;
  float v[N];
  __device__ DenseB(const float* s, int cols, int n0) : src(s), ncols(cols) {
    nc = threadIdx.x % C::BN, rr0 = threadIdx.x / C::BN;
    col_ok = n0 + nc < ncols;
    src += n0 + nc;
  }
  __device__ void fetch(int r0, int r_end) {
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int r = r0 + rr0 + i * RPP;
      v[i] = col_ok && r < r_end ? __ldg(src + static_cast<int64_t>(r) * ncols) : 0.f;
    }
  }
  __device__ void store(float* bs) {
#pragma unroll
    for (int i = 0; i < N; ++i) bs[(rr0 + i * RPP) * C::LDB + nc] = v[i];
  }
};

// Backward-data A: rows = input pixels (b,ih,iw), reduction r = (kh,kw,k). Element (pixel, r) is
// dout[b, oh, ow, k] for the output pixel whose tap (kh,kw) reads this input pixel, or 0 when the
// stride skips it or it falls outside the output.
template <class C>
struct BwdDataA {
  static constexpr int RPP = C::NT / C::BK, N = C::BM / RPP;
  const Geo32* g;
  const float* dout;
  int kc, row0;
  int th0[N], tw0[N];
  int64_t obase[N];  // first output pixel of the image, −1 past B·H·W
  float v[N];
  __device__ BwdDataA(const Geo32* geo, const float* d, int m0) : g(geo), dout(d) {
    kc = threadIdx.x % C::BK, row0 = threadIdx.x / C::BK;
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int m = m0 + row0 + i * RPP;
      th0[i] = tw0[i] = 0, obase[i] = -1;
      if (m < g->NIN) {
        int b = m / g->HW, r = m - b * g->HW, ih = r / g->W, iw = r - ih * g->W;
        th0[i] = ih + g->pt, tw0[i] = iw + g->pl;
        obase[i] = static_cast<int64_t>(b) * g->OHW;
      }
    }
  }
  __device__ void fetch(int r0, int r_end) {
    int r = r0 + kc;
    if (r >= r_end) {
#pragma unroll
      for (int i = 0; i < N; ++i) v[i] = 0.f;
      return;
    }
    int t = r / g->K, k = r - t * g->K, kh = t / g->KW, kw = t - kh * g->KW;
    int dh_off = kh * g->dh, dw_off = kw * g->dw;
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int th = th0[i] - dh_off, tw = tw0[i] - dw_off;
      bool ok = obase[i] >= 0 && th >= 0 && tw >= 0;
      int oh = g->sh == 1 ? th : th / g->sh, ow = g->sw == 1 ? tw : tw / g->sw;
      ok = ok && oh * g->sh == th && ow * g->sw == tw && oh < g->OH && ow < g->OW;
      v[i] = ok ? __ldg(dout + (obase[i] + static_cast<int64_t>(oh) * g->OW + ow) * g->K + k) : 0.f;
    }
  }
  __device__ void store(float* as) {
#pragma unroll
    for (int i = 0; i < N; ++i) as[kc * C::LDA + row0 + i * RPP] = v[i];
  }
};

// Backward-data B: element (r = (kh,kw,k), c) = kernel[kh,kw,c,k]; 8 consecutive threads take 8
// consecutive r (contiguous k) of one channel.
template <class C>
struct BwdDataB {
  static constexpr int RPP = C::NT / C::BK, N = C::BN / RPP;
  static_assert(C::BN % RPP == 0, "B tile mapping");
  const Geo32* g;
  const float* kernel;
  int kr, cc0, n0;
  float v[N];
  __device__ BwdDataB(const Geo32* geo, const float* k, int n0_) : g(geo), kernel(k), n0(n0_) {
    kr = threadIdx.x % C::BK, cc0 = threadIdx.x / C::BK;
  }
  __device__ void fetch(int r0, int r_end) {
    int r = r0 + kr;
    if (r >= r_end) {
#pragma unroll
      for (int i = 0; i < N; ++i) v[i] = 0.f;
      return;
    }
    int t = r / g->K, k = r - t * g->K;
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int c = n0 + cc0 + i * RPP;
      v[i] = c < g->C ? __ldg(kernel + (static_cast<int64_t>(t) * g->C + c) * g->K + k) : 0.f;
    }
  }
  __device__ void store(float* bs) {
#pragma unroll
    for (int i = 0; i < N; ++i) bs[kr * C::LDB + cc0 + i * RPP] = v[i];
  }
};

// Backward-filter A: rows = im2col columns d = (kh,kw,c), reduction = output pixels m.
// Consecutive threads take consecutive d (contiguous channels) of one pixel; a thread's d, and so
// its tap offset and channel, is fixed for the block.
template <class C>
struct FilterA {
  static constexpr int RPP = C::NT / C::BM, N = C::BK / RPP;
  static_assert(C::NT % C::BM == 0 && C::BK % RPP == 0, "A tile mapping");
  const Geo32* g;
  const float* inp;
  int dl, ml0, c, h_off, w_off;
  bool d_ok;
  float v[N];
  __device__ FilterA(const Geo32* geo, const float* in, int d0) : g(geo), inp(in) {
    dl = threadIdx.x % C::BM, ml0 = threadIdx.x / C::BM;
    int d = d0 + dl;
    d_ok = d < g->D;
    c = h_off = w_off = 0;
    if (d_ok) {
      int t = d / g->C, kh = t / g->KW, kw = t - kh * g->KW;
      c = d - t * g->C;
      h_off = kh * g->dh - g->pt, w_off = kw * g->dw - g->pl;
    }
  }
  __device__ void fetch(int r0, int r_end) {
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int m = r0 + ml0 + i * RPP;
      float x = 0.f;
      if (d_ok && m < r_end) {
        int b = m / g->OHW, r = m - b * g->OHW, oh = r / g->OW, ow = r - oh * g->OW;
        int ih = oh * g->sh + h_off, iw = ow * g->sw + w_off;
        if (static_cast<unsigned>(ih) < static_cast<unsigned>(g->H) && static_cast<unsigned>(iw) < static_cast<unsigned>(g->W))
          x = __ldg(inp + ((static_cast<int64_t>(b) * g->H + ih) * g->W + iw) * g->C + c);
      }
      v[i] = x;
    }
  }
  __device__ void store(float* as) {
#pragma unroll
    for (int i = 0; i < N; ++i) as[(ml0 + i * RPP) * C::LDA + dl] = v[i];
  }
};

// ---- kernels

// out (P,K) = act(im2col · kernel + bias).
template <class C>
__global__ void __launch_bounds__(kThreads) conv_forward_kernel(float* __restrict__ out, const float* __restrict__ inp,
                                                                const float* __restrict__ kernel,
                                                                const float* __restrict__ bias,
                                                                const __grid_constant__ Geo32 g, int act, float alpha) {
  const int m0 = blockIdx.x * C::BM, n0 = blockIdx.y * C::BN;
  FwdA<C> la(&g, inp, m0);
  DenseB<C> lb(kernel, g.K, n0);
  float acc[C::TM][C::TN] = {};
  mainloop<C>(la, lb, 0, g.D, acc);
  const int tx = threadIdx.x % C::TX, ty = threadIdx.x / C::TX;
#pragma unroll
  for (int i = 0; i < C::TM; ++i) {
    int m = m0 + C::row(ty, i);
    if (m >= g.P) continue;
    float* o = out + static_cast<int64_t>(m) * g.K;
#pragma unroll
    for (int j = 0; j < C::TN; ++j) {
      int n = n0 + C::col(tx, j);
      if (n < g.K) o[n] = act_apply(acc[i][j] + (bias ? __ldg(bias + n) : 0.f), act, alpha);
    }
  }
}

// dinp (B·H·W, C) += gathered dout · kernel.
template <class C>
__global__ void __launch_bounds__(kThreads) conv_backward_data_kernel(float* __restrict__ dinp,
                                                                      const float* __restrict__ dout,
                                                                      const float* __restrict__ kernel,
                                                                      const __grid_constant__ Geo32 g) {
  const int m0 = blockIdx.x * C::BM, n0 = blockIdx.y * C::BN;
  BwdDataA<C> la(&g, dout, m0);
  BwdDataB<C> lb(&g, kernel, n0);
  float acc[C::TM][C::TN] = {};
  mainloop<C>(la, lb, 0, g.KH * g.KW * g.K, acc);
  const int tx = threadIdx.x % C::TX, ty = threadIdx.x / C::TX;
#pragma unroll
  for (int i = 0; i < C::TM; ++i) {
    int m = m0 + C::row(ty, i);
    if (m >= g.NIN) continue;
    float* d = dinp + static_cast<int64_t>(m) * g.C;
#pragma unroll
    for (int j = 0; j < C::TN; ++j) {
      int n = n0 + C::col(tx, j);
      if (n < g.C) d[n] += acc[i][j];
    }
  }
}

// Split z of the pixels: dkernel (D,K) += im2colᵀ · dout over pixels [z·chunk, (z+1)·chunk),
// directly when there is one split, else written to ws (splits, D, K) for add_split_sums.
template <class C>
__global__ void __launch_bounds__(kThreads) conv_backward_filter_kernel(float* __restrict__ dkernel,
                                                                        float* __restrict__ ws,
                                                                        const float* __restrict__ dout,
                                                                        const float* __restrict__ inp,
                                                                        const __grid_constant__ Geo32 g, int chunk) {
  const int d0 = blockIdx.x * C::BM, n0 = blockIdx.y * C::BN;
  const int r_begin = blockIdx.z * chunk, r_end = min(g.P, r_begin + chunk);
  FilterA<C> la(&g, inp, d0);
  DenseB<C> lb(dout, g.K, n0);
  float acc[C::TM][C::TN] = {};
  mainloop<C>(la, lb, r_begin, r_end, acc);
  const int tx = threadIdx.x % C::TX, ty = threadIdx.x / C::TX;
  float* dst = ws ? ws + static_cast<int64_t>(blockIdx.z) * g.D * g.K : dkernel;
#pragma unroll
  for (int i = 0; i < C::TM; ++i) {
    int d = d0 + C::row(ty, i);
    if (d >= g.D) continue;
#pragma unroll
    for (int j = 0; j < C::TN; ++j) {
      int n = n0 + C::col(tx, j);
      if (n >= g.K) continue;
      int64_t idx = static_cast<int64_t>(d) * g.K + n;
      if (ws) dst[idx] = acc[i][j];
      else dst[idx] += acc[i][j];
    }
  }
}

// Column sums of x (rows, cols) over row chunk blockIdx.y, in double: ws (chunks, cols).
// A block is 32 columns × 8 row lanes; the lanes are added in lane order.
__global__ void colsum_partial_kernel(double* __restrict__ ws, const float* __restrict__ x, int rows, int cols,
                                      int chunk) {
  __shared__ double part[8][33];
  const int col = blockIdx.x * 32 + threadIdx.x;
  const int r0 = blockIdx.y * chunk, r1 = min(rows, r0 + chunk);
  double acc = 0.0;
  if (col < cols)
    for (int r = r0 + threadIdx.y; r < r1; r += 8) acc += x[static_cast<int64_t>(r) * cols + col];
  part[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && col < cols) {
    double s = 0.0;
    for (int y = 0; y < 8; ++y) s += part[y][threadIdx.x];
    ws[static_cast<int64_t>(blockIdx.y) * cols + col] = s;
  }
}

// dst (cols) += Σ over chunks of ws (chunks, cols), in chunk order, rounded once to float.
__global__ void colsum_final_kernel(float* __restrict__ dst, const double* __restrict__ ws, int cols, int chunks) {
  for (int col = blockIdx.x * blockDim.x + threadIdx.x; col < cols; col += gridDim.x * blockDim.x) {
    double s = 0.0;
    for (int t = 0; t < chunks; ++t) s += ws[static_cast<int64_t>(t) * cols + col];
    dst[col] += static_cast<float>(s);
  }
}

// ---- host side

// Grid of an M×N result in C's tiles with `splits` along z; false when a dimension overflows.
template <class C>
bool grid_of(int64_t M, int64_t N, int64_t splits, dim3* grid) {
  int64_t gx = ceil_div(M, C::BM), gy = ceil_div(N, C::BN);
  if (gx > 0x7fffffff || gy > 65535 || splits > 65535) return false;
  *grid = dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy), static_cast<unsigned>(splits));
  return true;
}

template <class C>
kerno_status launch_forward(float* out, const float* inp, const float* kernel, const float* bias, const Geo32& g,
                            const kerno_activation_params& act) {
  dim3 grid;
  if (!grid_of<C>(g.P, g.K, 1, &grid)) return KERNO_ERR_UNSUPPORTED;
  conv_forward_kernel<C><<<grid, kThreads, 0, stream()>>>(out, inp, kernel, bias, g, act.kind, act.alpha);
  return launch_status();
}

template <class C>
kerno_status launch_backward_data(float* dinp, const float* dout, const float* kernel, const Geo32& g) {
  dim3 grid;
  if (!grid_of<C>(g.NIN, g.C, 1, &grid)) return KERNO_ERR_UNSUPPORTED;
  conv_backward_data_kernel<C><<<grid, kThreads, 0, stream()>>>(dinp, dout, kernel, g);
  return launch_status();
}

// The narrowest tile that covers n columns (wide tiles waste work on few filters/channels).
enum class Width { kS, kM, kL };
Width width_for(int n) { return n > 64 ? Width::kL : n > 32 ? Width::kM : Width::kS; }

// Work of one backward-filter call, planned on the host; run inside with_scratch.
struct FilterPlan {
  float* dkernel;
  float* dbias;
  const float* dout;
  const float* inp;
  Geo32 g;
  Width width;
  int splits, chunk;      // dkernel: pixel splits (1 = accumulate directly) and pixels per split
  int bsplits, bchunk;    // dbias: row chunks of the column sum
  size_t part_bytes;      // bytes of the dkernel partials at the start of the scratch
};

constexpr int64_t kMaxPartialFloats = int64_t{1} << 24;  // 64 MiB of split partials at most

template <class C>
kerno_status launch_filter(const FilterPlan& f, float* ws) {
  dim3 grid;
  if (!grid_of<C>(f.g.D, f.g.K, f.splits, &grid)) return KERNO_ERR_UNSUPPORTED;
  conv_backward_filter_kernel<C><<<grid, kThreads, 0, stream()>>>(f.dkernel, f.splits > 1 ? ws : nullptr, f.dout,
                                                                  f.inp, f.g, f.chunk);
  return launch_status();
}

kerno_status run_filter(void* scratch, void* ctx) {
  const FilterPlan& f = *static_cast<const FilterPlan*>(ctx);
  float* ws = static_cast<float*>(scratch);
  kerno_status s = f.width == Width::kL   ? launch_filter<CfgL>(f, ws)
                   : f.width == Width::kM ? launch_filter<CfgM>(f, ws)
                                          : launch_filter<CfgS>(f, ws);
  if (s != KERNO_OK) return s;
  if (f.splits > 1)
    KERNO_CUDA_TRY(add_split_sums(f.dkernel, ws, static_cast<int64_t>(f.g.D) * f.g.K, f.splits));
  if (f.dbias) {
    double* wb = reinterpret_cast<double*>(static_cast<char*>(scratch) + f.part_bytes);
    dim3 grid(static_cast<unsigned>(ceil_div(f.g.K, 32)), static_cast<unsigned>(f.bsplits));
    colsum_partial_kernel<<<grid, dim3(32, 8), 0, stream()>>>(wb, f.dout, f.g.P, f.g.K, f.bchunk);
    KERNO_CUDA_TRY(launch_status());
    colsum_final_kernel<<<grid_for(f.g.K), 256, 0, stream()>>>(f.dbias, wb, f.g.K, f.bsplits);
    KERNO_CUDA_TRY(launch_status());
  }
  return KERNO_OK;
}

// Chunks of `total` items so that about `want` chunks of at least `min_items` exist; returns the
// chunk length (a multiple of `align`) and sets *count to the number of non-empty chunks.
int64_t plan_chunks(int64_t total, int64_t want, int64_t min_items, int64_t align, int64_t* count) {
  int64_t n = std::max<int64_t>(1, std::min(want, ceil_div(total, min_items)));
  n = std::min<int64_t>(n, 65535);
  int64_t chunk = ceil_div(ceil_div(total, n), align) * align;
  *count = ceil_div(total, chunk);
  return chunk;
}

}  // namespace

// ---------------------------------------------------------------- entry points

kerno_status conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                            const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, out && inp && kernel);
  if (s != KERNO_OK) return s;
  if (!act_kind_valid(p->act.kind)) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->B == 0) return KERNO_OK;
  Geo32 g;
  if (!make_geo(*p, &g)) return KERNO_ERR_UNSUPPORTED;
  switch (width_for(g.K)) {
    case Width::kL: return launch_forward<CfgL>(out, inp, kernel, bias, g, p->act);
    case Width::kM: return launch_forward<CfgM>(out, inp, kernel, bias, g, p->act);
    default: return launch_forward<CfgS>(out, inp, kernel, bias, g, p->act);
  }
}

kerno_status conv2d_backward_data(float* dinp, const float* dout, const float* kernel, const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dinp && dout && kernel);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo32 g;
  if (!make_geo(*p, &g)) return KERNO_ERR_UNSUPPORTED;
  switch (width_for(g.C)) {
    case Width::kL: return launch_backward_data<CfgL>(dinp, dout, kernel, g);
    case Width::kM: return launch_backward_data<CfgM>(dinp, dout, kernel, g);
    default: return launch_backward_data<CfgS>(dinp, dout, kernel, g);
  }
}

kerno_status conv2d_backward_filter(float* dkernel, float* dbias, const float* dout, const float* inp,
                                    const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dkernel && dout && inp);
  if (s != KERNO_OK || p->B == 0) return s;
  FilterPlan f{};
  if (!make_geo(*p, &f.g)) return KERNO_ERR_UNSUPPORTED;
  const Geo32& g = f.g;
  f.dkernel = dkernel, f.dbias = dbias, f.dout = dout, f.inp = inp;
  f.width = width_for(g.K);
  const int64_t bn = f.width == Width::kL ? 128 : f.width == Width::kM ? 64 : 32;
  const int64_t tiles = ceil_div(g.D, 128) * ceil_div(g.K, bn), DK = static_cast<int64_t>(g.D) * g.K;
  const int64_t waves = 4 * static_cast<int64_t>(device_sm_count());  // about two waves of two blocks per SM
  // Splits of the pixels: enough blocks to fill the device, each split at least 256 pixels
  // (32 shared tiles), and the partials bounded.
  int64_t want = std::min(ceil_div(waves, tiles), std::max<int64_t>(1, kMaxPartialFloats / DK));
  int64_t count = 1;
  f.chunk = static_cast<int>(plan_chunks(g.P, want, 256, 8, &count));
  f.splits = static_cast<int>(count);
  f.part_bytes = f.splits > 1 ? (static_cast<size_t>(f.splits * DK) * sizeof(float) + 255) / 256 * 256 : 0;
  size_t bytes = f.part_bytes;
  if (dbias) {
    f.bchunk = static_cast<int>(plan_chunks(g.P, ceil_div(waves, ceil_div(g.K, 32)), 256, 1, &count));
    f.bsplits = static_cast<int>(count);
    bytes += static_cast<size_t>(f.bsplits) * g.K * sizeof(double);
  }
  return with_scratch(bytes, run_filter, &f);
}

}  // namespace kerno::cuda
