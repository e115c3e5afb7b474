// GEMM, AVX2 + FMA level: the shared driver (gemm_driver.h) over a 6×16 micro-kernel.
// M, N, K: C is (M,N), op(A) is (M,K), op(B) is (K,N).
//
// Only the micro-kernel is compiled for AVX2 (a function target attribute, not a file flag), so
// this file is safe to link into a binary that runs on any x86-64: it is reached only through
// the backend table, which lists it only when cpuid reports AVX2 and FMA.
#include "cpu/ops.h"

// GCC/Clang only: the kernels use function target attributes (MSVC builds get the stub below).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include "cpu/gemm_driver.h"

#define KERNO_AVX2 __attribute__((target("avx2,fma")))

namespace kerno {
namespace {

// In-register 8×8 transpose: r[i] holds row i on entry and column i on exit.
KERNO_AVX2 inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// 6×16: 12 ymm accumulators + 2 B vectors + 1 broadcast = 15 of the 16 registers. Per k it issues
// 12 FMAs against 2 loads and 6 broadcasts, enough independent FMAs to cover the 4–5 cycle FMA
// latency on both ports of Zen and Intel cores.
// Blocks (Zen 3: 32 KiB L1d, 512 KiB L2 per core, shared L3): a B̂ panel kc×16 = 16 KiB stays in
// L1 across the MC rows; an Ã block MC×KC = 144 KiB stays in L2 across the panels; B̃ streams
// from L3.
struct Avx2Ukr {
  static constexpr int MR = 6, NR = 16;
  static constexpr int64_t MC = 144, KC = 256;

  // Ã sliver (6,kc) k-major. With A stored (M,K) each step of 8 k reads 6 row segments and
  // transposes them in registers, instead of 48 scalar scatters; other cases are plain copies.
  KERNO_AVX2 static void pack_a(float* dst, const float* src, int64_t rsa, int64_t csa, int64_t mr,
                                int64_t kc) {
    if (csa != 1 || mr != MR) {
      gemm_detail::pack_a_sliver<MR>(dst, src, rsa, csa, mr, kc);
      return;
    }
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) {
      __m256 r[8];
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) r[i] = _mm256_loadu_ps(src + i * rsa + k);
      r[6] = r[7] = _mm256_setzero_ps();
      transpose8(r);
#pragma GCC unroll 8
      for (int q = 0; q < 8; ++q) {  // column q = op(A)[0..5][k+q]: 4 + 2 floats
        float* d = dst + (k + q) * MR;
        _mm_storeu_ps(d, _mm256_castps256_ps128(r[q]));
        _mm_storel_pi(reinterpret_cast<__m64*>(d + 4), _mm256_extractf128_ps(r[q], 1));
      }
    }
    for (; k < kc; ++k)
      for (int i = 0; i < MR; ++i) dst[k * MR + i] = src[i * rsa + k];
  }

  // B̃ panel (kc,16). With B stored (N,K) two 8×8 transposes per 8 k turn 16 row segments into
  // 8 packed rows; with B stored (K,N) each k is a 64-byte copy.
  KERNO_AVX2 static void pack_b(float* dst, const float* src, int64_t ldb, bool trans, int64_t nr,
                                int64_t kc) {
    if (!trans || nr != NR) {
      gemm_detail::pack_b_panel<NR>(dst, src, ldb, trans, nr, kc);
      return;
    }
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8)
      for (int half = 0; half < 2; ++half) {
        __m256 r[8];
#pragma GCC unroll 8
        for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + (half * 8 + q) * ldb + k);
        transpose8(r);
#pragma GCC unroll 8
        for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (k + q) * NR + half * 8, r[q]);
      }
    for (; k < kc; ++k)
      for (int jj = 0; jj < NR; ++jj) dst[k * NR + jj] = src[jj * ldb + k];
  }

  // Rows [0, R) of the tile: a: Â (R,kc) at a[i*rsa + k*csa]; b: B̂ (kc,16), row k at b + k*rsb;
  // c: (R,16) with ldc. Reads and writes only those R rows, so A may be read in place at an edge.
  // kInPlaceB: B is read where it lies (rows ldb apart, one cache line each), which the hardware
  // prefetchers do not follow; the next tile column needs the same rows' next line, so each step
  // prefetches it while this tile computes.
  template <int R, bool kInPlaceB>
  KERNO_AVX2 static void rows(int64_t kc, const float* a, int64_t rsa, int64_t csa, const float* b,
                              int64_t rsb, float* c, int64_t ldc, float alpha, float beta) {
    __m256 acc[R][2];
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    // The tile is written once at the end: ask for it now so the store does not wait on memory.
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k) {
      if (kInPlaceB) _mm_prefetch(reinterpret_cast<const char*>(b + NR), _MM_HINT_T0);
      __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
      for (int i = 0; i < R; ++i) {
        __m256 ai = _mm256_broadcast_ss(a + i * rsa);
        acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
        acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
      }
      a += csa;
      b += rsb;
    }
    __m256 va = _mm256_set1_ps(alpha);
    if (beta == 0.f) {
#pragma GCC unroll 6
      for (int i = 0; i < R; ++i) {
        _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(va, acc[i][0]));
        _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(va, acc[i][1]));
      }
      return;
    }
    __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc;
      _mm256_storeu_ps(ci, _mm256_fmadd_ps(va, acc[i][0], _mm256_mul_ps(vb, _mm256_loadu_ps(ci))));
      _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(va, acc[i][1], _mm256_mul_ps(vb, _mm256_loadu_ps(ci + 8))));
    }
  }

  template <bool kInPlaceB>
  KERNO_AVX2 static void rows_dispatch(int mr, int64_t kc, const float* a, int64_t rsa, int64_t csa,
                                       const float* b, int64_t rsb, float* c, int64_t ldc, float alpha,
                                       float beta) {
    switch (mr) {
      case 6: return rows<6, kInPlaceB>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
      case 5: return rows<5, kInPlaceB>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
      case 4: return rows<4, kInPlaceB>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
      case 3: return rows<3, kInPlaceB>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
      case 2: return rows<2, kInPlaceB>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
      default: return rows<1, kInPlaceB>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
    }
  }

  // One row across four panels (gemm_driver.h HasRow4): eight accumulators, each column summed
  // as rows<1> sums it (k ascending, one FMA per k, the same epilogue), so results are the same.
  KERNO_AVX2 static void row4(int64_t kc, const float* a, int64_t csa, const float* const b[4], int64_t rsb,
                              float* c, float alpha, float beta) {
    __m256 acc[8];
#pragma GCC unroll 8
    for (int q = 0; q < 8; ++q) acc[q] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
      const __m256 ak = _mm256_broadcast_ss(a + k * csa);
      const int64_t off = k * rsb;
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q) {
        acc[2 * q] = _mm256_fmadd_ps(ak, _mm256_loadu_ps(b[q] + off), acc[2 * q]);
        acc[2 * q + 1] = _mm256_fmadd_ps(ak, _mm256_loadu_ps(b[q] + off + 8), acc[2 * q + 1]);
      }
    }
    const __m256 va = _mm256_set1_ps(alpha);
    const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
    for (int q = 0; q < 8; ++q) {
      float* cq = c + q * 8;
      if (beta == 0.f) _mm256_storeu_ps(cq, _mm256_mul_ps(va, acc[q]));
      else _mm256_storeu_ps(cq, _mm256_fmadd_ps(va, acc[q], _mm256_mul_ps(vb, _mm256_loadu_ps(cq))));
    }
  }

  // mr rows (1..6): a row-count-specific kernel, so an edge of 2 rows costs 2 rows of FMAs.
  KERNO_AVX2 static void ukr(int mr, int64_t kc, const float* a, int64_t rsa, int64_t csa, const float* b,
                             int64_t rsb, float* c, int64_t ldc, float alpha, float beta) {
    if (rsb == NR) rows_dispatch<false>(mr, kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
    else rows_dispatch<true>(mr, kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
  }
};

}  // namespace

kerno_status gemm_avx2(float* C, const float* A, const float* B, const kerno_gemm_params* p) {
  try {
    return gemm_detail::gemm_run<Avx2Ukr>(C, A, B, p);
  } catch (...) {
    return KERNO_ERR_INTERNAL;
  }
}

}  // namespace kerno

#else  // not x86-64 (or not GCC/Clang): the level is unavailable, but the symbol must exist.

namespace kerno {
kerno_status gemm_avx2(float*, const float*, const float*, const kerno_gemm_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
}  // namespace kerno

#endif
