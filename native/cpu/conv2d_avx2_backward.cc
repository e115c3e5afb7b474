// Conv2D direct kernels, AVX2 + FMA level, backward: backward-filter for thin im2col rows (a
// first layer on 1–3 channels, windows read in place as in the forward) and backward-data as a
// gather per input element (Σ over the windows covering it of dout · kernel, K-lane partial sums
// reduced eight at a time), so no two updates touch the same element. Notation, and the forward
// kernels: conv2d_avx2.cc.
#include "cpu/conv2d_direct.h"
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

kerno_status conv2d_direct_backward_data_avx2(float* dinp, const float* dout, const float* kernel,
                                              const kerno_conv2d_params* p) {
  Geo g(*p);
  float* zeros = thread_scratch(kScratchZeros, static_cast<size_t>(g.K));
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
  return KERNO_OK;
}

kerno_status conv2d_direct_backward_filter_avx2(float* dkernel, float* dbias, const float* dout, const float* inp,
                                                const kerno_conv2d_params* p) {
  Geo g(*p);
  const int64_t stride = g.D * g.K + g.K;
  const int64_t R = g.B * g.OH;  // output rows, split evenly among the threads
  int nt = static_cast<int>(std::min<int64_t>({num_threads(), R, std::max<int64_t>(1, g.P * g.D * g.K / 65536)}));
  float* part = thread_scratch(kScratchCall, static_cast<size_t>(stride * nt));
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
  return KERNO_OK;
}

}  // namespace kerno

#else  // no AVX2 build: conv2d.cc never calls these (conv2d_direct_avx2_fits says no).

namespace kerno {
kerno_status conv2d_direct_backward_data_avx2(float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
kerno_status conv2d_direct_backward_filter_avx2(float*, float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
}  // namespace kerno

#endif
