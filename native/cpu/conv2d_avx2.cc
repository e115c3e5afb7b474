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
// rows cut by the left/right padding (or dilated) are copied into a small buffer. Backward-data
// is a gather per input element (Σ over the windows covering it of dout · kernel, K-lane partial
// sums reduced eight at a time), so no two updates touch the same element.
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

#define KERNO_AVX2 __attribute__((target("avx2,fma")))

namespace kerno {
namespace {

constexpr int64_t kChunk = 48;                    // output pixels per block of row pointers
constexpr int64_t kMaxD = kConv2dDirectMaxD;      // D < kMaxD, so KH, KWC < kMaxD too
alignas(32) const float kZeros[kMaxD + 8] = {};   // the row of a window above/below the image

struct Geo {
  int64_t B, H, W, C, OH, OW, KH, KW, K, sh, sw, dh, dw, pt, pl, P, D, OHW, KWC;
  kerno_activation_params act;  // forward's fused activation
  bool relu;                    // act is ReLU: applied in registers
  const float* zeros = kZeros;  // zeros for a window's rows above/below the image
  int64_t zeros_len = kMaxD + 8;  // ≥ KWC; when ≥ W·C, whole zero image rows (see row_runs)
  bool accumulate = false;        // forward adds into out instead of starting from the bias
  int32_t tap_row[kMaxD], tap_col[kMaxD];  // tap t = (kh, j): its kernel row and place in it
  explicit Geo(const kerno_conv2d_params& p)
      : B(p.B), H(p.H), W(p.W), C(p.C), OH(p.OH), OW(p.OW), KH(p.KH), KW(p.KW), K(p.K),
        sh(p.stride_h), sw(p.stride_w), dh(p.dilation_h), dw(p.dilation_w), pt(p.pad_top),
        pl(p.pad_left), P(p.B * p.OH * p.OW), D(p.KH * p.KW * p.C), OHW(p.OH * p.OW), KWC(p.KW * p.C),
        act(p.act), relu(p.act.kind == KERNO_ACT_RELU) {
    for (int64_t t = 0; t < D && t < kMaxD; ++t)
      tap_row[t] = static_cast<int32_t>(t / KWC), tap_col[t] = static_cast<int32_t>(t % KWC);
  }
};

// Output pixel (b,oh,ow), stepped in P order.
struct Pixel {
  int64_t b, oh, ow;
  Pixel(const Geo& g, int64_t m) : b(m / g.OHW), oh((m % g.OHW) / g.OW), ow(m % g.OW) {}
  void next(const Geo& g) {
    if (++ow == g.OW) {
      ow = 0;
      if (++oh == g.OH) oh = 0, ++b;
    }
  }
};

// Row pointers of n pixels' windows from pixel m on: rows[i·KH + kh] → the KWC floats of pixel
// i's kernel row kh. Rows cut by the padding (or dilated) are gathered into buf (n·D floats).
void window_rows(const float** rows, float* buf, const float* inp, const Geo& g, int64_t m, int64_t n) {
  Pixel q(g, m);
  for (int64_t i = 0; i < n; ++i, q.next(g)) {
    const int64_t iw0 = q.ow * g.sw - g.pl;
    const bool inside = g.dw == 1 && iw0 >= 0 && iw0 + g.KW <= g.W;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = q.oh * g.sh - g.pt + kh * g.dh;
      const float*& r = rows[i * g.KH + kh];
      if (ih < 0 || ih >= g.H) {
        r = g.zeros;
        continue;
      }
      const float* src = inp + (q.b * g.H + ih) * g.W * g.C;
      if (inside) {
        r = src + iw0 * g.C;
        continue;
      }
      float* dst = buf + (i * g.KH + kh) * g.KWC;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        int64_t iw = iw0 + kw * g.dw;
        if (iw >= 0 && iw < g.W) std::memcpy(dst + kw * g.C, src + iw * g.C, static_cast<size_t>(g.C) * sizeof(float));
        else std::memset(dst + kw * g.C, 0, static_cast<size_t>(g.C) * sizeof(float));
      }
      r = dst;
    }
  }
}

// Where each pixel's kernel rows start. Strided: pixels along one output row whose windows lie
// inside the image, read in place: pixel i's row kh at rp[kh] + off + i·step. Gathered: any
// pixels, through the table of window_rows.
struct Strided {
  const float* const* rp;
  int64_t off, step;
  const float* at(int64_t i, int64_t kh) const { return rp[kh] + off + i * step; }
  Strided skip(int64_t i) const { return {rp, off + i * step, step}; }
};
struct Gathered {
  const float* const* rows;
  int64_t KH;
  const float* at(int64_t i, int64_t kh) const { return rows[i * KH + kh]; }
  Gathered skip(int64_t i) const { return {rows + i * KH, KH}; }
};

// Calls fast(ow0, n, Strided) for the runs of output row (b,oh) whose windows lie inside the
// image, and slow(m, n) for the pixels m .. m+n−1 around them (padding, dilated columns). With
// a zero row as long as an image row (g.zeros_len ≥ W·C), kernel rows above/below the image read
// it in place, so only the left/right borders need the slow path.
template <class Fast, class Slow>
void row_runs(const Geo& g, const float* inp, int64_t b, int64_t oh, Fast&& fast, Slow&& slow) {
  const int64_t m = (b * g.OH + oh) * g.OW;
  const float* rp[kMaxD];
  const bool zero_rows = g.zeros_len >= g.W * g.C;
  bool rows_in = true;
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    int64_t ih = oh * g.sh - g.pt + kh * g.dh;
    bool in = ih >= 0 && ih < g.H;
    rows_in = rows_in && (in || zero_rows);
    rp[kh] = in ? inp + (b * g.H + ih) * g.W * g.C : g.zeros;
  }
  // Columns ow with 0 ≤ ow·sw − pl and ow·sw − pl + KW ≤ W (unit dilation only).
  int64_t lo = (g.pl + g.sw - 1) / g.sw, hi = g.W - g.KW + g.pl >= 0 ? (g.W - g.KW + g.pl) / g.sw + 1 : 0;
  hi = std::min(hi, g.OW);
  auto slow_run = [&](int64_t o0, int64_t o1) {  // in blocks of at most kChunk pixels
    for (int64_t o = o0; o < o1; o += kChunk) slow(m + o, std::min(kChunk, o1 - o));
  };
  if (!rows_in || g.dw != 1 || lo >= hi) return slow_run(0, g.OW);
  slow_run(0, lo);
  fast(lo, hi - lo, Strided{rp, (lo * g.sw - g.pl) * g.C, g.sw * g.C});
  slow_run(hi, g.OW);
}

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

// ---------------------------------------------------------------- backward-filter

// part (D,K) [taps t0 .. t0+T, this block's columns] += Σ_i window_i[t] · dout_i over n pixels.
// With BIAS, also the bias row (part + D·K) += Σ_i dout_i, in spare registers of a one-tap tile.
template <int T, int NV, bool BIAS, class A>
KERNO_AVX2 inline void filter_tile(float* part, const A& x, const float* dout, int64_t n, int64_t t0, const Geo& g) {
  constexpr int R = T + (BIAS ? 1 : 0);  // accumulator rows: taps, then the bias
  int64_t kh[T], j[T];
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) kh[t] = g.tap_row[t0 + t], j[t] = g.tap_col[t0 + t];
  __m256 acc[R][NV];
  #pragma GCC unroll 16
  for (int t = 0; t < R; ++t)
    #pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) acc[t][v] = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; ++i) {
    __m256 d[NV];
    #pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) d[v] = _mm256_loadu_ps(dout + i * g.K + 8 * v);
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      __m256 xb = _mm256_broadcast_ss(x.at(i, kh[t]) + j[t]);
      #pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[t][v] = _mm256_fmadd_ps(xb, d[v], acc[t][v]);
    }
    if (BIAS)
      #pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[R - 1][v] = _mm256_add_ps(acc[R - 1][v], d[v]);
  }
  #pragma GCC unroll 16
  for (int t = 0; t < R; ++t)
    #pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      float* pr = part + (BIAS && t == T ? g.D : t0 + t) * g.K + 8 * v;
      _mm256_storeu_ps(pr, _mm256_add_ps(_mm256_loadu_ps(pr), acc[t][v]));
    }
}

// Taps in blocks of T: T·NV accumulators + NV dout vectors + one broadcast within 16 registers.
template <int NV, class A>
KERNO_AVX2 void filter_taps(float* part, const A& x, const float* dout, int64_t n, const Geo& g) {
  constexpr int T = NV == 4 ? 2 : NV == 3 ? 3 : NV == 2 ? 4 : 6;
  int64_t t = 0;
  for (; t + T <= g.D - 1; t += T) filter_tile<T, NV, false>(part, x, dout, n, t, g);
  for (; t < g.D - 1; ++t) filter_tile<1, NV, false>(part, x, dout, n, t, g);
  filter_tile<1, NV, true>(part, x, dout, n, g.D - 1, g);  // the last tap and the bias
}

// part (D·K + K) += the dkernel and dbias sums of n pixels (dout (n,K)); part's bias row too.
template <class A>
KERNO_AVX2 void filter_pixels(float* part, const A& x, const float* dout, int64_t n, const Geo& g) {
  for (int64_t kb = 0; kb < g.K; kb += 32) {
    switch (std::min<int64_t>(4, (g.K - kb) / 8)) {
      case 4: filter_taps<4>(part + kb, x, dout + kb, n, g); break;
      case 3: filter_taps<3>(part + kb, x, dout + kb, n, g); break;
      case 2: filter_taps<2>(part + kb, x, dout + kb, n, g); break;
      default: filter_taps<1>(part + kb, x, dout + kb, n, g); break;
    }
  }
}

// part (D·K + K): dkernel and dbias sums over output rows r0 .. r1−1.
KERNO_AVX2 void filter_rows(const Geo& g, float* part, const float* dout, const float* inp, int64_t r0, int64_t r1) {
  const float* rows[kChunk * kMaxD];
  alignas(32) float buf[kChunk * kMaxD];
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / g.OH, oh = r % g.OH, m = r * g.OW;
    row_runs(
        g, inp, b, oh,
        [&](int64_t ow, int64_t n, const Strided& x) {
          for (int64_t i = 0; i < n; i += kChunk)  // dout of a run stays in L1 across the tap blocks
            filter_pixels(part, x.skip(i), dout + (m + ow + i) * g.K, std::min(kChunk, n - i), g);
        },
        [&](int64_t mm, int64_t n) {
          window_rows(rows, buf, inp, g, mm, n);
          filter_pixels(part, Gathered{rows, g.KH}, dout + mm * g.K, n, g);
        });
  }
}

// ---------------------------------------------------------------- backward-data

// r[i] = Σ lanes of a[i], i < 8.
KERNO_AVX2 inline __m256 hsum8(const __m256 a[8]) {
  __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
  __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// Lane masks: kMask + 8 − r selects the first r lanes.
alignas(32) const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

// dinp of NP consecutive input pixels (np of them real) of row ih, channels c0 .. c0+cb, as a
// gather: each is Σ over the output pixels whose window covers it of dout (K) · kernel[tap, c]
// (K). Accumulators hold K-lane partial sums per (pixel, channel), NP·CB ≤ 8 of them, reduced
// together at the end; the (pixel, channel) lanes are contiguous in NHWC when CB = C (or NP = 1),
// so the update is one masked vector read-modify-write. Taps that fall outside dout read zeros.
template <int NP, int CB>
KERNO_AVX2 void data_group(const Geo& g, float* dinp, const float* dout, const float* kernel, const float* zeros,
                           int64_t b, int64_t ih, int64_t iw0, int np, int64_t c0, int cb) {
  static_assert(NP * CB <= 8, "one vector of (pixel, channel) lanes");
  __m256 acc[8];  // lane i = pixel i / CB, channel c0 + i % CB; unused ones stay zero
#pragma GCC unroll 16
  for (int i = 0; i < 8; ++i) acc[i] = _mm256_setzero_ps();
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    const int64_t t = ih + g.pt - kh * g.dh;  // oh · sh
    if (t < 0) break;
    if (g.sh != 1 && t % g.sh != 0) continue;
    const int64_t oh = g.sh == 1 ? t : t / g.sh;
    if (oh >= g.OH) continue;
    const float* drow = dout + (b * g.OH + oh) * g.OW * g.K;
    for (int64_t kw = 0; kw < g.KW; ++kw) {
      const float* d[NP];
      const int64_t u0 = iw0 + g.pl - kw * g.dw;  // ow · sw of pixel 0
      if (g.sw == 1) {  // pixels p in [plo, phi) read output columns u0 + p
        const int64_t plo = std::max<int64_t>(0, -u0), phi = std::min<int64_t>(np, g.OW - u0);
#pragma GCC unroll 16
        for (int p = 0; p < NP; ++p) d[p] = p >= plo && p < phi ? drow + (u0 + p) * g.K : zeros;
      } else {
        #pragma GCC unroll 16
        for (int p = 0; p < NP; ++p) {
          const int64_t u = u0 + p;
          d[p] = p < np && u >= 0 && u % g.sw == 0 && u / g.sw < g.OW ? drow + (u / g.sw) * g.K : zeros;
        }
      }
      const float* w = kernel + ((kh * g.KW + kw) * g.C + c0) * g.K;
#pragma GCC unroll 4
      for (int64_t k = 0; k < g.K; k += 8) {
        __m256 wv[CB];
#pragma GCC unroll 16
        for (int c = 0; c < CB; ++c) wv[c] = c < cb ? _mm256_loadu_ps(w + c * g.K + k) : _mm256_setzero_ps();
#pragma GCC unroll 16
        for (int p = 0; p < NP; ++p) {
          __m256 dv = _mm256_loadu_ps(d[p] + k);
#pragma GCC unroll 16
          for (int c = 0; c < CB; ++c) acc[p * CB + c] = _mm256_fmadd_ps(dv, wv[c], acc[p * CB + c]);
        }
      }
    }
  }
  const int64_t lanes = NP == 1 ? cb : np * CB;
  __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - lanes));
  float* dst = dinp + ((b * g.H + ih) * g.W + iw0) * g.C + c0;
  _mm256_maskstore_ps(dst, m, _mm256_add_ps(_mm256_maskload_ps(dst, m), hsum8(acc)));
}

// dinp of input rows r0 .. r1−1 (row r = image r / H, row r % H): rows never share an element,
// so threads split them freely.
template <int NP, int CB>
KERNO_AVX2 void data_rows(const Geo& g, float* dinp, const float* dout, const float* kernel, const float* zeros,
                          int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / g.H, ih = r % g.H;
    for (int64_t iw = 0; iw < g.W; iw += NP) {
      const int np = static_cast<int>(std::min<int64_t>(NP, g.W - iw));
      if (CB == g.C || NP > 1) {
        data_group<NP, CB>(g, dinp, dout, kernel, zeros, b, ih, iw, np, 0, CB);
        continue;
      }
      for (int64_t c0 = 0; c0 < g.C; c0 += CB)
        data_group<NP, CB>(g, dinp, dout, kernel, zeros, b, ih, iw, np, c0, static_cast<int>(std::min<int64_t>(CB, g.C - c0)));
    }
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
  float* zeros = static_cast<float*>(aligned_alloc_bytes(static_cast<size_t>(nz) * sizeof(float)));
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
          float* s = thread_scratch(0, 2 * nptr + nbuf + 16);
          if (!s) return x->status.store(KERNO_ERR_OUT_OF_MEMORY);
          rows = reinterpret_cast<const float**>(s), buf = s + 2 * nptr + 8;
        }
        for (int64_t i; (i = x->next.fetch_add(1)) < x->blocks;)
          forward_rows(g, x->out, x->inp, x->kernel, x->bias, i * x->block, std::min(x->rows, (i + 1) * x->block), rows, buf);
      },
      &ctx);
  aligned_free(zeros);
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
  float* flipped = static_cast<float*>(aligned_alloc_bytes(static_cast<size_t>(taps * C * K) * sizeof(float)));
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
  kerno_status s = forward_all(g, dinp, dout, flipped, nullptr);
  aligned_free(flipped);
  return s;
}

kerno_status conv2d_direct_backward_data_avx2(float* dinp, const float* dout, const float* kernel,
                                              const kerno_conv2d_params* p) {
  Geo g(*p);
  float* zeros = static_cast<float*>(aligned_alloc_bytes(static_cast<size_t>(g.K) * sizeof(float)));
  if (!zeros) return KERNO_ERR_OUT_OF_MEMORY;
  std::memset(zeros, 0, static_cast<size_t>(g.K) * sizeof(float));
  const int64_t rows = g.B * g.H, grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.W * g.D * g.K));
  // (pixels, channels) per group: the (pixel, channel) lanes fill one vector when C ≤ 4.
  auto run = [&](auto body) { parallel_for(rows, grain, [&](int64_t r0, int64_t r1) { body(r0, r1); }); };
  switch (g.C) {
    case 1: run([&](int64_t a, int64_t z) { data_rows<8, 1>(g, dinp, dout, kernel, zeros, a, z); }); break;
    case 2: run([&](int64_t a, int64_t z) { data_rows<4, 2>(g, dinp, dout, kernel, zeros, a, z); }); break;
    case 3: run([&](int64_t a, int64_t z) { data_rows<2, 3>(g, dinp, dout, kernel, zeros, a, z); }); break;
    case 4: run([&](int64_t a, int64_t z) { data_rows<2, 4>(g, dinp, dout, kernel, zeros, a, z); }); break;
    default: run([&](int64_t a, int64_t z) { data_rows<1, 8>(g, dinp, dout, kernel, zeros, a, z); }); break;
  }
  aligned_free(zeros);
  return KERNO_OK;
}

kerno_status conv2d_direct_backward_filter_avx2(float* dkernel, float* dbias, const float* dout, const float* inp,
                                                const kerno_conv2d_params* p) {
  Geo g(*p);
  const int64_t stride = g.D * g.K + g.K;
  const int64_t R = g.B * g.OH;  // output rows, split evenly among the threads
  int nt = static_cast<int>(std::min<int64_t>({num_threads(), R, std::max<int64_t>(1, g.P * g.D * g.K / 65536)}));
  float* part = static_cast<float*>(aligned_alloc_bytes(static_cast<size_t>(stride * nt) * sizeof(float)));
  if (!part) return KERNO_ERR_OUT_OF_MEMORY;
  std::memset(part, 0, static_cast<size_t>(stride * nt) * sizeof(float));
  struct Ctx {
    const Geo* g;
    float* part;
    const float *dout, *inp;
    int64_t stride, R;
  } ctx{&g, part, dout, inp, stride, R};
  parallel_run(
      nt,
      [](void* c, int tid, int n) {
        auto* x = static_cast<Ctx*>(c);
        filter_rows(*x->g, x->part + tid * x->stride, x->dout, x->inp, x->R * tid / n, x->R * (tid + 1) / n);
      },
      &ctx);
  // Partial sums added in thread order, as the portable direct path does.
  for (int t = 0; t < nt; ++t) {
    const float* src = part + t * stride;
    for (int64_t i = 0; i < g.D * g.K; ++i) dkernel[i] += src[i];
    if (dbias)
      for (int64_t k = 0; k < g.K; ++k) dbias[k] += src[g.D * g.K + k];
  }
  aligned_free(part);
  return KERNO_OK;
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
kerno_status conv2d_direct_backward_data_avx2(float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
kerno_status conv2d_direct_backward_filter_avx2(float*, float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
}  // namespace kerno

#endif
