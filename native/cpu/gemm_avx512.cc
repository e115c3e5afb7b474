// GEMM, AVX-512F level: the shared driver (gemm_driver.h) over a 12×32 micro-kernel.
// M, N, K: C is (M,N), op(A) is (M,K), op(B) is (K,N).
//
// The same structure as gemm_avx2.cc with twice the vector width and twice the registers. Only the
// micro-kernel is compiled for AVX-512 (a function target attribute, not a file flag); the backend
// table lists this level only when cpuid and XCR0 report AVX-512F/DQ with ZMM state enabled.
#include "cpu/ops.h"

// GCC/Clang only: the kernels use function target attributes (MSVC builds get the stub below).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include "cpu/gemm_driver.h"

#define KERNO_AVX512 __attribute__((target("avx512f,avx512dq,avx2,fma")))

namespace kerno {
namespace {

// 12×32: 24 zmm accumulators + 2 B vectors + 1 broadcast = 27 of the 32 registers; 24 FMAs per k
// against 2 loads and 12 broadcasts cover the FMA latency on 1- and 2-port AVX-512 cores.
// Blocks (Skylake-SP/Ice Lake/Zen 4: 32–48 KiB L1d, 1–2 MiB L2): a B̂ panel kc×32 = 32 KiB at
// KC=256 streams through L1; an Ã block MC×KC = 192 KiB sits in L2.
struct Avx512Ukr {
  static constexpr int MR = 12, NR = 32;
  static constexpr int64_t MC = 192, KC = 256;

  // Generic packing: simple and shared with the portable level (the AVX-512 level is dispatched
  // only on machines this project cannot test on; see gemm_avx2.cc for SIMD packing).
  static void pack_a(float* dst, const float* src, int64_t rsa, int64_t csa, int64_t mr, int64_t kc) {
    gemm_detail::pack_a_sliver<MR>(dst, src, rsa, csa, mr, kc);
  }
  static void pack_b(float* dst, const float* src, int64_t ldb, bool trans, int64_t nr, int64_t kc) {
    gemm_detail::pack_b_panel<NR>(dst, src, ldb, trans, nr, kc);
  }

  // Rows [0, R) of the tile: a: Â (R,kc) at a[i*rsa + k*csa]; b: B̂ (kc,32), row k at b + k*rsb;
  // c: (R,32) with ldc. Reads and writes only those R rows, so A may be read in place at an edge.
  template <int R>
  KERNO_AVX512 static void rows(int64_t kc, const float* a, int64_t rsa, int64_t csa, const float* b,
                                int64_t rsb, float* c, int64_t ldc, float alpha, float beta) {
    __m512 acc[R][2];
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    // The tile is written once at the end: ask for it now so the store does not wait on memory.
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
#pragma GCC unroll 2
    for (int64_t k = 0; k < kc; ++k) {
      __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
      for (int i = 0; i < R; ++i) {
        __m512 ai = _mm512_set1_ps(a[i * rsa]);
        acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      }
      a += csa;
      b += rsb;
    }
    __m512 va = _mm512_set1_ps(alpha);
    if (beta == 0.f) {
#pragma GCC unroll 12
      for (int i = 0; i < R; ++i) {
        _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, acc[i][0]));
        _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(va, acc[i][1]));
      }
      return;
    }
    __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc;
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(va, acc[i][0], _mm512_mul_ps(vb, _mm512_loadu_ps(ci))));
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(va, acc[i][1], _mm512_mul_ps(vb, _mm512_loadu_ps(ci + 16))));
    }
  }

  // mr rows (1..12). Edges run as a sum of power-of-two row counts (7 = 4+2+1) to keep the number
  // of kernel instances small; each part reads only its own rows.
  KERNO_AVX512 static void ukr(int mr, int64_t kc, const float* a, int64_t rsa, int64_t csa, const float* b,
                               int64_t rsb, float* c, int64_t ldc, float alpha, float beta) {
    if (mr == MR) return rows<MR>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
    for (int part : {8, 4, 2, 1}) {
      if (mr < part) continue;
      switch (part) {
        case 8: rows<8>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta); break;
        case 4: rows<4>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta); break;
        case 2: rows<2>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta); break;
        default: rows<1>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta); break;
      }
      a += part * rsa;
      c += part * ldc;
      mr -= part;
    }
  }
};

}  // namespace

kerno_status gemm_avx512(float* C, const float* A, const float* B, const kerno_gemm_params* p) {
  try {
    return gemm_detail::gemm_run<Avx512Ukr>(C, A, B, p);
  } catch (...) {
    return KERNO_ERR_INTERNAL;
  }
}

}  // namespace kerno

#else  // not x86-64 (or not GCC/Clang): the level is unavailable, but the symbol must exist.

namespace kerno {
kerno_status gemm_avx512(float*, const float*, const float*, const kerno_gemm_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
}  // namespace kerno

#endif
