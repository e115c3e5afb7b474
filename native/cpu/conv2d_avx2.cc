// Conv2D direct kernels, AVX2 + FMA level (conv2d.cc picks them): for thin im2col rows, and the
// forward (and stride-1 backward-data, as the forward on the flipped kernel) of wider rows.
// B = batch, H, W = input spatial, C = input channels, OH, OW = output spatial, KH, KW = kernel
// spatial, K = filters; P = B·OH·OW output pixels, D = KH·KW·C (one im2col row), KWC = KW·C
// (one kernel row of a window).
//
// A first layer on 1–3 channels has D = 9–27: as a GEMM its reduction is too short to pay for
// packing, and the (P,K) output is the only large tensor it touches. These kernels keep the
// (D,K) kernel in L1 and eight-float vectors of filters in registers (K % 8 == 0, up to four
// vectors per pass), and read each window straight from the input through one pointer per kernel
// row: a row inside the image is read in place, a row above or below it points at zeros, and only
// rows cut by the left/right padding (or dilated) are copied into a small buffer. Their
// backward passes are in conv2d_avx2_backward.cc; the helpers both use in conv2d_avx2_common.h.
// Wider rows (the reference CNN's second conv: D = 288) run the same forward loop with a
// GEMM-like 6-pixel × 16-filter register block: the windows are read in place, so there is no
// im2col copy, no packing, and the bias and activation are applied in registers.
// Forward applies the fused activation before the results leave the registers (ReLU: a max with
// zero, bit-for-bit activation.cc's) or, for the other kinds, to each output row while it is in L1
// (conv2d_epilogue.h).
// Loops over accumulator arrays carry `#pragma GCC unroll`: fully unrolled early, GCC keeps them
// in registers; left as arrays they live on the stack (a __m256 may alias any float, so every
// FMA would round-trip through memory).
// Only these functions are compiled for AVX2 (target attributes), so the file links into any
// x86-64 binary; conv2d.cc calls them only for backends whose GEMM already requires AVX2.
#include "cpu/conv2d_direct.h"
#include "cpu/conv2d_epilogue.h"
#include "cpu/ops.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "runtime/aligned_alloc.h"
#include "runtime/threadpool.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include "cpu/conv2d_avx2_common.h"

namespace kerno {
namespace {

using namespace conv2d_avx2;

// ---------------------------------------------------------------- forward

// One pass of the forward tiles over kernel rows [kh0, kh1): the sums start from out (`from_out`:
// an earlier pass, or backward-data's accumulation) or from the bias, and the last pass applies
// the fused ReLU. Wide rows split the window into passes whose kernel block fits in L1.
struct Pass {
  int64_t kh0, kh1;
  bool from_out, last;
};

// out (NP,K) [this block's NV·8 columns] = bias + windows of NP pixels · kernel (D,K), then
// max(0, ·) when the fused activation is ReLU (max(0, x) is x < 0 ? 0 : x, NaN and −0 included);
// over the kernel rows of one Pass.
template <int NP, int NV, class A>
KERNO_AVX2 inline void forward_tile(float* out, const A& x, const float* w, const float* bias, const Geo& g, const Pass& ps) {
  __m256 acc[NP][NV];
  #pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    __m256 b0 = bias ? _mm256_loadu_ps(bias + 8 * v) : _mm256_setzero_ps();
    #pragma GCC unroll 16
    for (int p = 0; p < NP; ++p) acc[p][v] = ps.from_out ? _mm256_loadu_ps(out + p * g.K + 8 * v) : b0;
  }
  for (int64_t kh = ps.kh0; kh < ps.kh1; ++kh) {
    const float* r[NP];
    #pragma GCC unroll 16
    for (int p = 0; p < NP; ++p) r[p] = x.at(p, kh);
    const float* wk = w + kh * g.KWC * g.K;
    for (int64_t j = 0; j < g.KWC; ++j) {
      __m256 wv[NV];
      #pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) wv[v] = _mm256_loadu_ps(wk + j * g.K + 8 * v);
      #pragma GCC unroll 16
      for (int p = 0; p < NP; ++p) {
        __m256 xb = _mm256_broadcast_ss(r[p] + j);
        #pragma GCC unroll 16
        for (int v = 0; v < NV; ++v) acc[p][v] = _mm256_fmadd_ps(xb, wv[v], acc[p][v]);
      }
    }
  }
  if (g.relu && ps.last) {
    const __m256 zero = _mm256_setzero_ps();
    #pragma GCC unroll 16
    for (int p = 0; p < NP; ++p)
      #pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[p][v] = _mm256_max_ps(zero, acc[p][v]);
  }
  #pragma GCC unroll 16
  for (int p = 0; p < NP; ++p)
    #pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) _mm256_storeu_ps(out + p * g.K + 8 * v, acc[p][v]);
}

// n pixels, all column blocks: groups of NP (NP·NV accumulators + NV kernel vectors + one
// broadcast within the 16 registers), then the last n % NP pixels as one smaller group.
template <int NV, int NP, class A>
KERNO_AVX2 void forward_cols(float* out, const A& x, const float* w, const float* bias, int64_t n, const Geo& g,
                             const Pass& ps) {
  int64_t i = 0;
  for (; i + NP <= n; i += NP) forward_tile<NP, NV>(out + i * g.K, x.skip(i), w, bias, g, ps);
  float* o = out + i * g.K;
  const A xi = x.skip(i);
  switch (n - i) {  // cases above NP - 1 never occur
    case 5: if (NP > 5) forward_tile<5, NV>(o, xi, w, bias, g, ps); break;
    case 4: if (NP > 4) forward_tile<4, NV>(o, xi, w, bias, g, ps); break;
    case 3: if (NP > 3) forward_tile<3, NV>(o, xi, w, bias, g, ps); break;
    case 2: if (NP > 2) forward_tile<2, NV>(o, xi, w, bias, g, ps); break;
    case 1: forward_tile<1, NV>(o, xi, w, bias, g, ps); break;
    default: break;
  }
}

// Thin rows (D < kMaxD): the whole (D, ≤ 32) kernel block lives in registers or L1, so wide blocks
// of up to 32 filters with few pixels each.
template <class A>
KERNO_AVX2 void forward_pixels_thin(float* out, const A& x, const float* kernel, const float* bias, int64_t n, const Geo& g) {
  const Pass ps{0, g.KH, g.accumulate, true};
  for (int64_t kb = 0; kb < g.K; kb += 32) {
    const float *w = kernel + kb, *b = bias ? bias + kb : nullptr;
    switch (std::min<int64_t>(4, (g.K - kb) / 8)) {
      case 4: forward_cols<4, 2>(out + kb, x, w, b, n, g, ps); break;
      case 3: forward_cols<3, 3>(out + kb, x, w, b, n, g, ps); break;
      case 2: forward_cols<2, 4>(out + kb, x, w, b, n, g, ps); break;
      default: forward_cols<1, 6>(out + kb, x, w, b, n, g, ps); break;
    }
  }
}

// Floats of a 16-filter kernel block that one pass keeps in L1 (24 KiB of Zen 3's 32), beside
// the windows' rows.
constexpr int64_t kPassFloats = 6144;

// Wide rows: a GEMM-like 6 pixels × 16 filters register block (12 accumulators, two kernel
// vectors and a broadcast). Each 16-filter block of the kernel is applied in passes over groups of
// kernel rows whose part of the block (rows·KWC·16 floats) fits kPassFloats, so it is read from L1
// by every pixel of the chunk; the chunk's outputs (n·16 floats) stay in L1 between passes.
template <class A>
KERNO_AVX2 void forward_pixels_wide(float* out, const A& x, const float* kernel, const float* bias, int64_t n, const Geo& g) {
  const int64_t rows = std::max<int64_t>(1, kPassFloats / (g.KWC * 16));
  for (int64_t kb = 0; kb < g.K; kb += 16) {
    const float* b = bias ? bias + kb : nullptr;
    for (int64_t kh = 0; kh < g.KH; kh += rows) {
      const Pass ps{kh, std::min(g.KH, kh + rows), kh > 0 || g.accumulate, kh + rows >= g.KH};
      if (kb + 16 <= g.K) forward_cols<2, 6>(out + kb, x, kernel + kb, b, n, g, ps);
      else forward_cols<1, 6>(out + kb, x, kernel + kb, b, n, g, ps);
    }
  }
}

template <class A>
KERNO_AVX2 void forward_pixels(float* out, const A& x, const float* kernel, const float* bias, int64_t n, const Geo& g) {
  if (g.D < kMaxD) forward_pixels_thin(out, x, kernel, bias, n, g);
  else forward_pixels_wide(out, x, kernel, bias, n, g);
}

// Output rows r0 .. r1−1 (row r = image r / OH, row r % OH). rows (kChunk·KH pointers) and buf
// (kChunk·KH·KWC floats) are the border windows' scratch.
KERNO_AVX2 void forward_rows(const Geo& g, float* out, const float* inp, const float* kernel, const float* bias,
                             int64_t r0, int64_t r1, const float** rows, float* buf) {
  const bool other_act = !g.relu && g.act.kind != KERNO_ACT_LINEAR;
  if (g.D >= kMaxD) {
    // Wide rows: chunks of kChunk pixels in output order, across output rows, each window's
    // kernel rows in place where they are whole (only those cut by left/right padding or
    // dilated are gathered), so that every 6-pixel group is full whatever the row's borders.
    for (int64_t m = r0 * g.OW, m1 = r1 * g.OW; m < m1; m += kChunk) {
      const int64_t n = std::min(kChunk, m1 - m);
      window_rows(rows, buf, inp, g, m, n);
      forward_pixels(out + m * g.K, Gathered{rows, g.KH}, kernel, bias, n, g);
      // Kinds other than ReLU/linear: the finished chunk, still in L1, through activation.cc.
      if (other_act) cpu_activation_forward(out + m * g.K, out + m * g.K, n * g.K, &g.act);
    }
    return;
  }
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / g.OH, oh = r % g.OH, m = r * g.OW;
    row_runs(
        g, inp, b, oh,
        [&](int64_t ow, int64_t n, const Strided& x) { forward_pixels(out + (m + ow) * g.K, x, kernel, bias, n, g); },
        [&](int64_t mm, int64_t n) {
          window_rows(rows, buf, inp, g, mm, n);
          forward_pixels(out + mm * g.K, Gathered{rows, g.KH}, kernel, bias, n, g);
        });
    // Kinds other than ReLU/linear: the finished row, still in L1, through activation.cc.
    if (other_act) cpu_activation_forward(out + m * g.K, out + m * g.K, g.OW * g.K, &g.act);
  }
}

}  // namespace

bool conv2d_direct_avx2_fits(const kerno_conv2d_params* p) {
  return p->KH * p->KW * p->C < kConv2dDirectMaxD && p->K % 8 == 0;
}

bool conv2d_direct_forward_avx2_fits(const kerno_conv2d_params* p) {
  return p->K % 8 == 0 && p->KH < kConv2dDirectMaxD;
}

namespace {

// The forward row loop over every output row of g, threaded: out (B,OH,OW,K) = (or +=, with
// g.accumulate) act(conv(inp, kernel) + bias). g.zeros is set here: a zero row as long as an
// image row, so that windows cut only by the top/bottom padding still read in place.
KERNO_AVX2 kerno_status forward_all(Geo& g, float* out, const float* inp, const float* kernel, const float* bias) {
  const int64_t nz = std::max(g.KWC, g.W * g.C);
  float* zeros = thread_scratch(kScratchZeros, static_cast<size_t>(nz));
  if (!zeros) return KERNO_ERR_OUT_OF_MEMORY;
  std::memset(zeros, 0, static_cast<size_t>(nz) * sizeof(float));
  g.zeros = zeros, g.zeros_len = nz;
  // Output rows in blocks of at least ~16K multiply-adds (enough to amortise a wake-up), about
  // eight per thread, handed out through a counter: a thread slowed by other jobs on the machine
  // takes fewer. Every row is computed alone, so the split never changes results.
  struct Ctx {
    const Geo* g;
    float* out;
    const float *inp, *kernel, *bias;
    int64_t rows, block, blocks;
    std::atomic<int64_t> next{0};
    std::atomic<int> status{KERNO_OK};
  } ctx{&g, out, inp, kernel, bias, g.B * g.OH, 1, 1};
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.OW * g.D * g.K));
  ctx.block = std::max(grain, ctx.rows / (8 * static_cast<int64_t>(num_threads())));
  ctx.blocks = (ctx.rows + ctx.block - 1) / ctx.block;
  parallel_run(
      static_cast<int>(std::min<int64_t>(num_threads(), ctx.blocks)),
      [](void* c, int, int) {
        auto* x = static_cast<Ctx*>(c);
        const Geo& g = *x->g;
        const float** rows;
        float* buf;
        const float* stack_rows[kChunk * kMaxD];
        alignas(32) float stack_buf[kChunk * kMaxD];
        if (g.D < kMaxD) {
          rows = stack_rows, buf = stack_buf;
        } else {  // slot 0: the pointers (two floats each), then the gathered rows
          const size_t nptr = static_cast<size_t>(kChunk * g.KH), nbuf = static_cast<size_t>(kChunk * g.KH * g.KWC);
          float* s = thread_scratch(kScratchTile, 2 * nptr + nbuf + 16);
          if (!s) return x->status.store(KERNO_ERR_OUT_OF_MEMORY);
          rows = reinterpret_cast<const float**>(s), buf = s + 2 * nptr + 8;
        }
        for (int64_t i; (i = x->next.fetch_add(1)) < x->blocks;)
          forward_rows(g, x->out, x->inp, x->kernel, x->bias, i * x->block, std::min(x->rows, (i + 1) * x->block), rows, buf);
      },
      &ctx);
  return static_cast<kerno_status>(ctx.status.load());
}

}  // namespace

kerno_status conv2d_direct_forward_avx2(float* out, const float* inp, const float* kernel, const float* bias,
                                        const kerno_conv2d_params* p) {
  Geo g(*p);
  return forward_all(g, out, inp, kernel, bias);
}

bool conv2d_direct_transposed_avx2_fits(const kerno_conv2d_params* p) {
  return p->stride_h == 1 && p->stride_w == 1 && p->C % 8 == 0 && p->KH < kConv2dDirectMaxD;
}

// Stride 1: dinp is the forward conv of dout, zero-padded by (extent − 1 − pad) on each side so
// that the output has the input's size, with the kernel flipped in space and its C and K axes
// swapped: dinp[b,ih,iw,c] += Σ_{kh,kw,k} dout[b, ih + pt − kh·dh, iw + pl − kw·dw, k] ·
// kernel[kh,kw,c,k], and with kh' = KH−1−kh the dout row is ih − (dh·(KH−1) − pt) + kh'·dh.
kerno_status conv2d_direct_transposed_avx2(float* dinp, const float* dout, const float* kernel,
                                           const kerno_conv2d_params* p) {
  kerno_conv2d_params q = *p;
  q.H = p->OH, q.W = p->OW, q.C = p->K, q.OH = p->H, q.OW = p->W, q.K = p->C;
  q.pad_top = p->dilation_h * (p->KH - 1) - p->pad_top, q.pad_left = p->dilation_w * (p->KW - 1) - p->pad_left;
  q.act = kerno_activation_params{KERNO_ACT_LINEAR, 0.f};
  const int64_t C = p->C, K = p->K, taps = p->KH * p->KW;
  float* flipped = thread_scratch(kScratchCall, static_cast<size_t>(taps * C * K));
  if (!flipped) return KERNO_ERR_OUT_OF_MEMORY;
  for (int64_t kh = 0; kh < p->KH; ++kh)  // flipped[KH−1−kh, KW−1−kw, k, c] = kernel[kh, kw, c, k]
    for (int64_t kw = 0; kw < p->KW; ++kw) {
      const float* src = kernel + (kh * p->KW + kw) * C * K;
      float* dst = flipped + ((p->KH - 1 - kh) * p->KW + (p->KW - 1 - kw)) * K * C;
      for (int64_t c = 0; c < C; ++c)
        for (int64_t k = 0; k < K; ++k) dst[k * C + c] = src[c * K + k];
    }
  Geo g(q);
  g.accumulate = true;
  return forward_all(g, dinp, dout, flipped, nullptr);
}

}  // namespace kerno

#else  // no AVX2 build: conv2d.cc never calls these (conv2d_direct_avx2_fits says no).

namespace kerno {
bool conv2d_direct_avx2_fits(const kerno_conv2d_params*) { return false; }
bool conv2d_direct_forward_avx2_fits(const kerno_conv2d_params*) { return false; }
bool conv2d_direct_transposed_avx2_fits(const kerno_conv2d_params*) { return false; }
kerno_status conv2d_direct_forward_avx2(float*, const float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
kerno_status conv2d_direct_transposed_avx2(float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
}  // namespace kerno

#endif
