// 2-D convolution, forward and backward (Keras Conv2D, channels-last).
// B = batch, H, W = input spatial, C = input channels, OH, OW = output spatial, KH, KW = kernel
// spatial, K = filters; P = B·OH·OW output pixels, D = KH·KW·C (one im2col row).
//
//   out (B,OH,OW,K) = act( Σ_{kh,kw,c} inp (B,H,W,C)[b, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, c]
//                          · kernel (KH,KW,C,K)[kh,kw,c,k] + bias (K) )
//
// The general path is im2col + the backend's GEMM: the HWIO kernel is already the (D,K) matrix,
// so an im2col row (kh,kw,c) times it is one output pixel. im2col runs over tiles of output
// pixels whose column buffer fits a fixed budget, so a 60,000-image batch needs no more scratch
// than a 100-image one. A 1×1 stride-1 unpadded conv is a plain GEMM on the NHWC data. Thin rows
// (D < 32, a first layer on 1–3 channels) skip the GEMM: conv2d_avx2.cc's direct kernels when
// the CPU has AVX2 and K % 8 == 0, the plain loops below otherwise. On AVX2 the direct forward
// kernel also takes rows up to D = 768 (the reference CNN's second conv), and backward-data of
// short stride-1 rows runs as that kernel on the flipped kernel (rules and measurements at
// wide_direct_forward and transposed_direct). 3×3 stride-1 convs with 16 or more channels each
// way take Winograd's F(2×2, 3×3) instead, forward and backward-data (conv2d_winograd.cc; faster
// than both other paths from the reference CNN's second conv up to 128 → 128 channels). Every
// forward path ends in the same output stage (conv2d_epilogue.h; Winograd applies the bias and
// ReLU in registers): bias and the fused activation on each tile while it is hot. The scalar
// reference lives in conv2d_ref.cc.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "cpu/conv2d_direct.h"
#include "cpu/conv2d_epilogue.h"
#include "cpu/conv2d_geo.h"
#include "cpu/conv2d_winograd.h"
#include "cpu/ops_conv.h"
#include "cpu/vmath.h"
#include "runtime/aligned_alloc.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::conv2d_check;

namespace {

constexpr size_t kDefaultBudget = size_t{1} << 20;  // floats: 4 MiB, within L2+L3 of most CPUs
std::atomic<size_t> g_budget{kDefaultBudget};

using conv2d::Geo;

// Rows of output pixels per im2col tile: as many as the budget holds, at least one.
int64_t tile_rows(const Geo& g) {
  int64_t rows = static_cast<int64_t>(g_budget.load(std::memory_order_relaxed)) / g.D;
  return std::max<int64_t>(1, std::min(rows, g.P));
}

// Tiles of the im2col + GEMM path, threaded by tile: each thread im2cols whole tiles into its own
// L2-sized scratch and runs the GEMM on them (regions nested in a parallel region run inline),
// instead of splitting each 4 MiB tile's im2col, GEMM and bias across threads (three fork-joins
// per tile, the column buffer streaming through L3). On 2 threads the reference CNN's second conv
// went from 51% to 60% of the FMA peak in backward-filter and 50% to 53% in backward-data; forward
// stays at the GEMM's 62–64% for that 15488×288×64 product. `unit` pixels stay together in one
// tile (OH·OW: whole images).
struct Tiles {
  int64_t rows = 0, count = 0;  // pixels per tile (the last may be shorter), number of tiles
};

constexpr int64_t kTileFloats = int64_t{1} << 16;  // a per-thread tile's col: 256 KiB, within L2

Tiles plan_tiles(const Geo& g, int64_t unit) {
  const int64_t nt = num_threads(), units = (g.P + unit - 1) / unit;
  // Units per tile: the col tile stays in L2 between im2col and the GEMM (and within the budget).
  const int64_t rows = std::min(tile_rows(g), std::max<int64_t>(1, kTileFloats / g.D));
  const int64_t fit = std::max<int64_t>(1, rows / unit);
  int64_t count = std::max(nt, (units + fit - 1) / fit);
  count = std::min(units, (count + nt - 1) / nt * nt);  // a multiple of the threads when possible
  Tiles t;
  t.rows = (units + count - 1) / count * unit;
  t.count = (g.P + t.rows - 1) / t.rows;
  return t;
}

// Runs body(tid, m0, n, col) for every tile, col being the thread's (rows,D) scratch. Dynamic:
// tiles go out in order through a counter (a thread slowed by other work takes fewer), unless
// `fixed`: thread tid takes tiles tid, tid + nt, ... (for bodies that accumulate per thread).
template <class F>
kerno_status run_tiles(const Geo& g, const Tiles& t, bool fixed, F&& body) {
  struct Ctx {
    const Geo* g;
    const Tiles* t;
    bool fixed;
    std::remove_reference_t<F>* body;
    std::atomic<int64_t> next{0};
    std::atomic<int> status{KERNO_OK};
  } ctx{&g, &t, fixed, &body};
  parallel_run(
      static_cast<int>(std::min<int64_t>(num_threads(), t.count)),
      [](void* c, int tid, int nt) {
        auto* x = static_cast<Ctx*>(c);
        float* col = thread_scratch(kScratchTile, static_cast<size_t>(x->t->rows * x->g->D));
        if (!col) return x->status.store(KERNO_ERR_OUT_OF_MEMORY);
        for (int64_t k = 0;; ++k) {
          int64_t i = x->fixed ? tid + k * nt : x->next.fetch_add(1);
          if (i >= x->t->count) return;
          int64_t m0 = i * x->t->rows;
          kerno_status s = (*x->body)(tid, m0, std::min(x->t->rows, x->g->P - m0), col);
          if (s != KERNO_OK) x->status.store(s);
        }
      },
      &ctx);
  return static_cast<kerno_status>(ctx.status.load());
}

// Output pixels per parallel chunk for im2col/col2im: about 16K floats of work.
int64_t pixel_grain(const Geo& g) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(g.D, 1)); }

// dst (D) = the im2col row of output pixel (b,oh,ow); taps in the padding read zero. With unit
// dilation a kernel row's KW taps are KW·C contiguous input floats, copied at once when inside.
void im2col_pixel(float* dst, const float* inp, const Geo& g, int64_t b, int64_t oh, int64_t ow) {
  const size_t row_bytes = static_cast<size_t>(g.KW * g.C) * sizeof(float);
  int64_t iw0 = ow * g.sw - g.pl;
  bool row_inside = g.dw == 1 && iw0 >= 0 && iw0 + g.KW <= g.W;
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    int64_t ih = oh * g.sh - g.pt + kh * g.dh;
    if (ih < 0 || ih >= g.H) {
      std::memset(dst, 0, row_bytes);
      dst += g.KW * g.C;
      continue;
    }
    const float* src = inp + ((b * g.H + ih) * g.W) * g.C;
    if (row_inside) {
      std::memcpy(dst, src + iw0 * g.C, row_bytes);
      dst += g.KW * g.C;
      continue;
    }
    for (int64_t kw = 0; kw < g.KW; ++kw, dst += g.C) {
      int64_t iw = iw0 + kw * g.dw;
      if (iw < 0 || iw >= g.W) std::memset(dst, 0, static_cast<size_t>(g.C) * sizeof(float));
      else std::memcpy(dst, src + iw * g.C, static_cast<size_t>(g.C) * sizeof(float));
    }
  }
}

// col (n,D) = the im2col rows of output pixels m0 .. m0+n−1. The pixel coordinates are stepped,
// not divided out per pixel (64-bit division costs more than copying a small row).
void im2col(float* col, const float* inp, const Geo& g, int64_t m0, int64_t n) {
  parallel_for(n, pixel_grain(g), [&](int64_t i0, int64_t i1) {
    int64_t m = m0 + i0, b = m / g.OHW, oh = (m % g.OHW) / g.OW, ow = m % g.OW;
    for (int64_t i = i0; i < i1; ++i) {
      im2col_pixel(col + i * g.D, inp, g, b, oh, ow);
      if (++ow == g.OW) {
        ow = 0;
        if (++oh == g.OH) oh = 0, ++b;
      }
    }
  });
}

// dinp (B,H,W,C) += the col (n,D) rows of output pixels m0 .. m0+n−1 folded back onto the input.
// Gathered per input row (each thread owns whole rows of dinp, so no atomics) rather than
// scattered per output pixel, whose windows overlap.
void col2im_add(float* dinp, const float* col, const Geo& g, int64_t m0, int64_t n) {
  int64_t m1 = m0 + n, b_lo = m0 / g.OHW, b_hi = (m1 - 1) / g.OHW;
  int64_t rows = (b_hi - b_lo + 1) * g.H;
  int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(g.W * g.KH * g.KW * g.C, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t b = b_lo + r / g.H, ih = r % g.H;
      for (int64_t iw = 0; iw < g.W; ++iw) {
        float* dst = dinp + ((b * g.H + ih) * g.W + iw) * g.C;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          int64_t t = ih + g.pt - kh * g.dh;
          if (t < 0) break;
          // Unit strides skip the divisions (64-bit divides would dominate this loop).
          int64_t oh = g.sh == 1 ? t : t / g.sh;
          if ((g.sh != 1 && t % g.sh != 0) || oh >= g.OH) continue;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            int64_t u = iw + g.pl - kw * g.dw;
            if (u < 0) break;
            int64_t ow = g.sw == 1 ? u : u / g.sw;
            if ((g.sw != 1 && u % g.sw != 0) || ow >= g.OW) continue;
            int64_t m = (b * g.OH + oh) * g.OW + ow;
            if (m < m0 || m >= m1) continue;
            const float* src = col + (m - m0) * g.D + (kh * g.KW + kw) * g.C;
            for (int64_t c = 0; c < g.C; ++c) dst[c] += src[c];
          }
        }
      }
    }
  });
}

// dst (n) += src (n), threaded.
void add_rows(float* dst, const float* src, int64_t n) {
  parallel_for(n, 16384, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) dst[i] += src[i];
  });
}

// dbias (K) += Σ over P rows of dout (P,K). Threads split the columns; each column sums in
// double because P reaches millions of pixels (blocks of 64 columns keep the sums on the stack).
void sum_columns(float* dbias, const float* dout, int64_t P, int64_t K) {
  parallel_for(K, 8, [=](int64_t k0, int64_t k1) {
    for (int64_t kb = k0; kb < k1; kb += 64) {
      int64_t n = std::min<int64_t>(64, k1 - kb);
      double acc[64] = {};
      for (int64_t r = 0; r < P; ++r) {
        const float* row = dout + r * K + kb;
        for (int64_t k = 0; k < n; ++k) acc[k] += row[k];
      }
      for (int64_t k = 0; k < n; ++k) dbias[kb + k] += static_cast<float>(acc[k]);
    }
  });
}

// ---- direct path for thin im2col rows (D < kDirectMaxD, e.g. a first layer on 1–3 channels):
// a GEMM with a reduction of 9–27 spends its time packing and storing C, so each output pixel
// is computed straight from the input with the (D,K) kernel held in L1. Compiled twice: plain,
// and for AVX2+FMA, picked by the backend's GEMM level.
constexpr int64_t kDirectMaxD = kConv2dDirectMaxD;

struct DirectJob {
  const Geo* g;
  float* out;          // forward: (P,K)
  float* part;         // filter: per-thread (D·K + K) partial sums
  const float* inp;    // (B,H,W,C)
  const float* kernel; // forward: (D,K)
  const float* bias;   // forward: (K) or NULL
  const float* dout;   // filter: (P,K)
};

// out (K) of pixel m = bias + x (D) · kernel (D,K), x being the pixel's im2col row.
__attribute__((always_inline)) inline void direct_forward_range_body(const DirectJob& j, int64_t m0, int64_t m1) {
  const Geo& g = *j.g;
  float x[kDirectMaxD];
  int64_t b = m0 / g.OHW, oh = (m0 % g.OHW) / g.OW, ow = m0 % g.OW;
  for (int64_t m = m0; m < m1; ++m) {
    im2col_pixel(x, j.inp, g, b, oh, ow);
    float* o = j.out + m * g.K;
    for (int64_t k = 0; k < g.K; ++k) o[k] = j.bias ? j.bias[k] : 0.f;
    for (int64_t t = 0; t < g.D; ++t) {
      const float* kr = j.kernel + t * g.K;
      for (int64_t k = 0; k < g.K; ++k) o[k] += x[t] * kr[k];
    }
    if (++ow == g.OW) {
      ow = 0;
      if (++oh == g.OH) oh = 0, ++b;
    }
  }
}

// part (D·K + K) += x (D) ⊗ dout (K) and dout (K) over pixels m0 .. m1−1.
__attribute__((always_inline)) inline void direct_filter_range_body(const DirectJob& j, float* part, int64_t m0,
                                                                     int64_t m1) {
  const Geo& g = *j.g;
  float x[kDirectMaxD];
  float* pb = part + g.D * g.K;
  int64_t b = m0 / g.OHW, oh = (m0 % g.OHW) / g.OW, ow = m0 % g.OW;
  for (int64_t m = m0; m < m1; ++m) {
    im2col_pixel(x, j.inp, g, b, oh, ow);
    const float* d = j.dout + m * g.K;
    for (int64_t k = 0; k < g.K; ++k) pb[k] += d[k];
    for (int64_t t = 0; t < g.D; ++t) {
      float* pr = part + t * g.K;
      for (int64_t k = 0; k < g.K; ++k) pr[k] += x[t] * d[k];
    }
    if (++ow == g.OW) {
      ow = 0;
      if (++oh == g.OH) oh = 0, ++b;
    }
  }
}

void direct_forward_range(const DirectJob& j, int64_t m0, int64_t m1) { direct_forward_range_body(j, m0, m1); }
void direct_filter_range(const DirectJob& j, float* part, int64_t m0, int64_t m1) {
  direct_filter_range_body(j, part, m0, m1);
}
#if defined(__x86_64__) || defined(_M_X64)
__attribute__((target("avx2,fma"))) void direct_forward_range_avx2(const DirectJob& j, int64_t m0, int64_t m1) {
  direct_forward_range_body(j, m0, m1);
}
__attribute__((target("avx2,fma"))) void direct_filter_range_avx2(const DirectJob& j, float* part, int64_t m0,
                                                                   int64_t m1) {
  direct_filter_range_body(j, part, m0, m1);
}
#endif

// The AVX2 variants only for backends whose GEMM already requires AVX2 (the table lists those
// only on CPUs that have it).
bool wide_simd(gemm_fn gemm) {
#if defined(__x86_64__) || defined(_M_X64)
  return gemm == gemm_avx2 || gemm == gemm_avx512;
#else
  return false;
#endif
}

// The AVX2 direct kernels of conv2d_avx2.cc take this conv.
bool direct_avx2(gemm_fn gemm, const Geo& g, const kerno_conv2d_params* p) {
  return g.D < kDirectMaxD && !g.pointwise() && wide_simd(gemm) && conv2d_direct_avx2_fits(p);
}

// The bias is already in (the sums start from it); the activation runs on each chunk.
// Forward and backward-data of rows D ≥ kDirectMaxD: im2col + GEMM, or the AVX2 direct kernels
// (conv2d_avx2.cc); conv2d_set_path forces one.
std::atomic<int> g_path{kConv2dPathAuto};

// The direct kernel wins while a 16-filter block of the kernel (D·16 floats) stays within L1/L2
// reach beside the windows it multiplies. Measured on Zen 3 (kerno_conv_bench --paths, one thread,
// CPU time), against im2col + GEMM: +15–25% for D = 144–288 with 32 filters, +2–3% for the
// reference CNN's second conv (D = 288, 64 filters) and at D = 576, +40–95% with 8–24 filters;
// −17% at D = 1152 and −39% at D = 2304, where the GEMM's cache blocking wins. On two threads its
// row blocks are handed out dynamically and the reference conv gains 10–15%.
constexpr int64_t kDirectForwardMaxD = 768;

bool wide_direct_forward(gemm_fn gemm, const Geo& g, const kerno_conv2d_params* p) {
  if (g.D < kDirectMaxD || g.pointwise() || !wide_simd(gemm) || !conv2d_direct_forward_avx2_fits(p)) return false;
  const int path = g_path.load(std::memory_order_relaxed);
  if (path != kConv2dPathAuto) return path == kConv2dPathDirect;
  return g.D <= kDirectForwardMaxD;
}

// Backward-data of stride 1 as a direct forward conv of dout (conv2d_avx2.cc): no GEMM into a
// column buffer and no col2im fold. Its rows are KH·KW·K long, so it wins on short rows of small
// windows: measured as above, +10–40% for 3×3 kernels over ≤ 32 filters (rows ≤ 288) and +80%
// over 8, but −10% over 64 filters (the reference CNN's second conv), −30% for 5×5 (rows of
// 800) and on par at 7×7, where the GEMM's blocking keeps its panels in cache.
bool transposed_direct(gemm_fn gemm, const Geo& g, const kerno_conv2d_params* p) {
  if (g.D < kDirectMaxD || g.pointwise() || !wide_simd(gemm) || !conv2d_direct_transposed_avx2_fits(p)) return false;
  const int path = g_path.load(std::memory_order_relaxed);
  if (path != kConv2dPathAuto) return path == kConv2dPathDirect;
  return g.KH * g.KW <= 9 && g.KH * g.KW * g.K <= 288;
}

// Winograd's F(2×2, 3×3) (conv2d_winograd.cc) for 3×3 stride-1 convs with ≥ 16 channels each
// way: 2.25× fewer multiply-adds than the direct kernel. Auto takes it wherever it fits; a forced
// path other than Winograd keeps it out.
bool winograd(gemm_fn gemm, bool forward, const kerno_conv2d_params* p) {
  if (!wide_simd(gemm)) return false;
  if (!(forward ? conv2d_winograd_forward_fits(p) : conv2d_winograd_backward_data_fits(p))) return false;
  const int path = g_path.load(std::memory_order_relaxed);
  return path == kConv2dPathAuto || path == kConv2dPathWinograd;
}

// Backward-filter by Winograd's F(3×3, 2×2) where the forward's conditions hold; forcing the GEMM
// or the direct path keeps it out.
bool winograd_filter(gemm_fn gemm, const kerno_conv2d_params* p) {
  if (!wide_simd(gemm) || !conv2d_winograd_backward_filter_fits(p)) return false;
  const int path = g_path.load(std::memory_order_relaxed);
  return path == kConv2dPathAuto || path == kConv2dPathWinograd;
}

void direct_forward(gemm_fn gemm, const DirectJob& j, const kerno_activation_params& act) {
  bool wide = wide_simd(gemm);
  parallel_for(j.g->P, std::max<int64_t>(1, 4096 / j.g->K), [&](int64_t m0, int64_t m1) {
#if defined(__x86_64__) || defined(_M_X64)
    if (wide) direct_forward_range_avx2(j, m0, m1);
    else
#endif
      direct_forward_range(j, m0, m1);
    conv_output_stage(j.out + m0 * j.g->K, nullptr, m1 - m0, j.g->K, act);
  });
}

// dkernel (D,K) and dbias (K) += sums over all pixels: each thread sums its contiguous share of
// pixels into a private buffer, added in thread order afterwards.
kerno_status direct_filter(gemm_fn gemm, float* dkernel, float* dbias, DirectJob j) {
  const Geo& g = *j.g;
  int64_t stride = g.D * g.K + g.K;
  int nt = static_cast<int>(std::min<int64_t>(num_threads(), std::max<int64_t>(1, g.P * g.D * g.K / 65536)));
  j.part = thread_scratch(kScratchCall, static_cast<size_t>(stride * nt));
  if (!j.part) return KERNO_ERR_OUT_OF_MEMORY;
  std::memset(j.part, 0, static_cast<size_t>(stride * nt) * sizeof(float));
  struct Ctx {
    const DirectJob* j;
    int64_t stride;
    bool wide;
  } ctx{&j, stride, wide_simd(gemm)};
  parallel_run(
      nt,
      [](void* c, int tid, int n) {
        auto* x = static_cast<Ctx*>(c);
        int64_t P = x->j->g->P, m0 = P * tid / n, m1 = P * (tid + 1) / n;
        float* part = x->j->part + tid * x->stride;
#if defined(__x86_64__) || defined(_M_X64)
        if (x->wide) return direct_filter_range_avx2(*x->j, part, m0, m1);
#endif
        direct_filter_range(*x->j, part, m0, m1);
      },
      &ctx);
  for (int t = 0; t < nt; ++t) {
    const float* src = j.part + t * stride;
    for (int64_t i = 0; i < g.D * g.K; ++i) dkernel[i] += src[i];
    if (dbias)
      for (int64_t k = 0; k < g.K; ++k) dbias[k] += src[g.D * g.K + k];
  }
  return KERNO_OK;
}


}  // namespace

void conv_output_stage(float* out, const float* bias, int64_t n, int64_t K, const kerno_activation_params& act) {
  const bool relu = act.kind == KERNO_ACT_RELU, linear = act.kind == KERNO_ACT_LINEAR;
  if (n <= 0 || (linear && !bias)) return;
  parallel_for(n, std::max<int64_t>(1, 16384 / K), [=, &act](int64_t r0, int64_t r1) {
    float* o = out + r0 * K;
    const int64_t len = (r1 - r0) * K;
    if (relu && bias) {  // one pass: o = relu(o + b), as add-then-activation_forward rounds it
      for (int64_t r = 0; r < len; r += K)
        for (int64_t k = 0; k < K; ++k) {
          float v = o[r + k] + bias[k];
          o[r + k] = pick(v < 0.f, 0.f, v);
        }
      return;
    }
    if (bias)
      for (int64_t r = 0; r < len; r += K)
        for (int64_t k = 0; k < K; ++k) o[r + k] += bias[k];
    if (relu)
      for (int64_t i = 0; i < len; ++i) o[i] = pick(o[i] < 0.f, 0.f, o[i]);
    else if (!linear)
      cpu_activation_forward(o, o, len, &act);  // in place, inline when nested
  });
}

void conv2d_set_scratch_budget(size_t floats) { g_budget.store(floats ? floats : kDefaultBudget); }

void conv2d_set_path(int path) { g_path.store(path); }

size_t conv2d_scratch_floats(const kerno_conv2d_params* p) {
  if (conv2d_check_geometry(p) != KERNO_OK || p->B == 0) return 0;
  Geo g(*p);
  if (g.pointwise()) return 0;
  // The threaded tiles (one col per thread), or backward-data's budget-sized tile when one image
  // does not fit the budget; the direct paths for thin rows use none.
  const Tiles t = plan_tiles(g, 1);
  const int64_t threaded = t.rows * g.D * std::min<int64_t>(num_threads(), t.count);
  return static_cast<size_t>(std::max(threaded, g.OHW > tile_rows(g) ? tile_rows(g) * g.D : 0));
}

// ---------------------------------------------------------------- im2col + GEMM --------------

kerno_status cpu_conv2d_forward(gemm_fn gemm, float* out, const float* inp, const float* kernel,
                                const float* bias, const kerno_conv2d_params* p) {
  kerno_status s = conv_check_forward(p, out && inp && kernel && gemm);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  if (g.pointwise()) {  // out (P,K) = inp (P,C) · kernel (C,K)
    kerno_gemm_params gp{0, 0, g.P, g.K, g.C, g.C, g.K, g.K, 1.f, 0.f};
    if ((s = gemm(out, inp, kernel, &gp)) != KERNO_OK) return s;
    conv_output_stage(out, bias, g.P, g.K, p->act);
    return KERNO_OK;
  }
  if (direct_avx2(gemm, g, p)) return conv2d_direct_forward_avx2(out, inp, kernel, bias, p);
  if (winograd(gemm, true, p)) return conv2d_winograd_forward(out, inp, kernel, bias, p);
  if (wide_direct_forward(gemm, g, p)) return conv2d_direct_forward_avx2(out, inp, kernel, bias, p);
  if (g.D < kDirectMaxD) {
    direct_forward(gemm, DirectJob{&g, out, nullptr, inp, kernel, bias, nullptr}, p->act);
    return KERNO_OK;
  }
  return run_tiles(g, plan_tiles(g, 1), false, [&](int, int64_t m0, int64_t n, float* col) {
    im2col(col, inp, g, m0, n);  // col (n,D)
    // beta = 0: whatever out held (even NaN) is ignored.
    kerno_gemm_params gp{0, 0, n, g.K, g.D, g.D, g.K, g.K, 1.f, 0.f};
    kerno_status st = gemm(out + m0 * g.K, col, kernel, &gp);
    if (st == KERNO_OK) conv_output_stage(out + m0 * g.K, bias, n, g.K, p->act);  // while the tile is in cache
    return st;
  });
}

kerno_status cpu_conv2d_backward_data(gemm_fn gemm, float* dinp, const float* dout, const float* kernel,
                                      const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dinp && dout && kernel && gemm);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  if (g.pointwise()) {  // dinp (P,C) += dout (P,K) · kernelᵀ, kernel stored (C,K)
    kerno_gemm_params gp{0, 1, g.P, g.C, g.K, g.K, g.K, g.C, 1.f, 1.f};
    return gemm(dinp, dout, kernel, &gp);
  }
  if (direct_avx2(gemm, g, p)) return conv2d_direct_backward_data_avx2(dinp, dout, kernel, p);
  if (winograd(gemm, false, p)) return conv2d_winograd_backward_data(dinp, dout, kernel, p);
  if (transposed_direct(gemm, g, p)) return conv2d_direct_transposed_avx2(dinp, dout, kernel, p);
  auto tile = [&](int, int64_t m0, int64_t n, float* col) {
    // col (n,D) = dout tile (n,K) · kernelᵀ, kernel stored (D,K)
    kerno_gemm_params gp{0, 1, n, g.D, g.K, g.K, g.K, g.D, 1.f, 0.f};
    kerno_status st = gemm(col, dout + m0 * g.K, kernel, &gp);
    if (st == KERNO_OK) col2im_add(dinp, col, g, m0, n);
    return st;
  };
  // Tiles of whole images touch disjoint parts of dinp, so threads can fold them concurrently.
  if (g.OHW <= tile_rows(g)) return run_tiles(g, plan_tiles(g, g.OHW), false, tile);
  int64_t rows = tile_rows(g);
  float* col = thread_scratch(kScratchTile, static_cast<size_t>(rows * g.D));  // (rows,D)
  if (!col) return KERNO_ERR_OUT_OF_MEMORY;
  for (int64_t m0 = 0; m0 < g.P; m0 += rows) {
    if ((s = tile(0, m0, std::min(rows, g.P - m0), col)) != KERNO_OK) return s;
  }
  return KERNO_OK;
}

kerno_status cpu_conv2d_backward_filter(gemm_fn gemm, float* dkernel, float* dbias, const float* dout,
                                        const float* inp, const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dkernel && dout && inp && gemm);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  if (direct_avx2(gemm, g, p)) return conv2d_direct_backward_filter_avx2(dkernel, dbias, dout, inp, p);
  if (g.D < kDirectMaxD && !g.pointwise())
    return direct_filter(gemm, dkernel, dbias, DirectJob{&g, nullptr, nullptr, inp, nullptr, nullptr, dout});
  if (dbias) sum_columns(dbias, dout, g.P, g.K);
  if (winograd_filter(gemm, p)) return conv2d_winograd_backward_filter(dkernel, dout, inp, p);
  if (g.pointwise()) {  // dkernel (C,K) += inpᵀ · dout, inp stored (P,C)
    kerno_gemm_params gp{1, 0, g.C, g.K, g.P, g.C, g.K, g.K, 1.f, 1.f};
    return gemm(dkernel, inp, dout, &gp);
  }
  // Each thread sums its tiles (fixed: tid, tid + nt, ...) into its own (D,K) partial; the
  // partials are added in thread order, so results repeat for a given thread count.
  const Tiles t = plan_tiles(g, 1);
  const int nt = static_cast<int>(std::min<int64_t>(num_threads(), t.count));
  const int64_t DK = g.D * g.K;
  float* part = nt > 1 ? thread_scratch(kScratchCall, static_cast<size_t>(DK * nt)) : nullptr;
  if (nt > 1 && !part) return KERNO_ERR_OUT_OF_MEMORY;
  if (part) std::memset(part, 0, static_cast<size_t>(DK * nt) * sizeof(float));
  s = run_tiles(g, t, true, [&](int tid, int64_t m0, int64_t n, float* col) {
    im2col(col, inp, g, m0, n);
    // partial (D,K) += colᵀ · dout tile (n,K), col stored (n,D)
    kerno_gemm_params gp{1, 0, g.D, g.K, n, g.D, g.K, g.K, 1.f, 1.f};
    return gemm(part ? part + tid * DK : dkernel, col, dout + m0 * g.K, &gp);
  });
  if (part && s == KERNO_OK)
    for (int i = 0; i < nt; ++i) add_rows(dkernel, part + i * DK, DK);
  return s;
}

}  // namespace kerno
