// GEMM: C = alpha · op(A) · op(B) + beta · C, row-major, any leading dimensions.
// M, N, K: C is (M,N), op(A) is (M,K), op(B) is (K,N).
//
// This file holds the scalar reference (the oracle, never deleted) and the portable level: the
// shared driver (gemm_driver.h) over a plain C++ micro-kernel that compilers vectorise for
// whatever the baseline ISA is (SSE2 on x86-64, NEON on arm64). The parameter check, gemm_check,
// is in arg_checks.h, shared with the CUDA backend.
// The SIMD levels live in gemm_avx2.cc and gemm_avx512.cc.
#include <cstring>

#include "cpu/gemm_driver.h"
#include "cpu/ops.h"

namespace kerno {

// A (M,K) or (K,M) when trans_a, B (K,N) or (N,K) when trans_b, C (M,N); float accumulation in
// k order, so it is also the reference for rounding behaviour of a naive loop.
kerno_status ref_gemm(float* C, const float* A, const float* B, const kerno_gemm_params* p) {
  kerno_status s = gemm_check(C, A, B, p);
  if (s != KERNO_OK) return s;
  for (int64_t i = 0; i < p->M; ++i)
    for (int64_t j = 0; j < p->N; ++j) {
      float acc = 0.f;
      // alpha == 0 must not read A or B (BLAS convention, as the fast kernels do).
      for (int64_t k = 0; p->alpha != 0.f && k < p->K; ++k) {
        float a = p->trans_a ? A[k * p->lda + i] : A[i * p->lda + k];
        float b = p->trans_b ? B[j * p->ldb + k] : B[k * p->ldb + j];
        acc += a * b;
      }
      float* c = &C[i * p->ldc + j];
      *c = p->alpha * acc + (p->beta == 0.f ? 0.f : p->beta * *c);
    }
  return KERNO_OK;
}

namespace {

// 4×8 keeps 8 accumulator vectors of 4 floats live: within SSE2's 16 registers and NEON's 32,
// with room for the B row and the broadcast A value.
struct PortableUkr {
  static constexpr int MR = 4, NR = 8;
  static constexpr int64_t MC = 128, KC = 256;

  static void pack_a(float* dst, const float* src, int64_t rsa, int64_t csa, int64_t mr, int64_t kc) {
    gemm_detail::pack_a_sliver<MR>(dst, src, rsa, csa, mr, kc);
  }
  static void pack_b(float* dst, const float* src, int64_t ldb, bool trans, int64_t nr, int64_t kc) {
    gemm_detail::pack_b_panel<NR>(dst, src, ldb, trans, nr, kc);
  }

  // Rows [0, R) of the tile: a: Â (R,kc) at a[i*rsa + k*csa]; b: B̂ (kc,NR) rows of NR at
  // b[k*rsb]; c: (R,NR) with ldc. A compile-time R lets the compiler keep acc in registers.
  template <int R>
  static void rows(int64_t kc, const float* a, int64_t rsa, int64_t csa, const float* b, int64_t rsb,
                   float* c, int64_t ldc, float alpha, float beta) {
    float acc[R][NR] = {};
    for (int64_t k = 0; k < kc; ++k) {
      // Local copies of the step's operands tell the compiler nothing aliases acc, so it keeps
      // acc in vector registers and vectorises over q (without them GCC vectorises over k).
      float bv[NR], av[R];
      std::memcpy(bv, b + k * rsb, sizeof bv);
      for (int i = 0; i < R; ++i) av[i] = a[i * rsa + k * csa];
      for (int i = 0; i < R; ++i)
        for (int q = 0; q < NR; ++q) acc[i][q] += av[i] * bv[q];
    }
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc;
      if (beta == 0.f)
        for (int q = 0; q < NR; ++q) ci[q] = alpha * acc[i][q];
      else
        for (int q = 0; q < NR; ++q) ci[q] = alpha * acc[i][q] + beta * ci[q];
    }
  }

  static void ukr(int mr, int64_t kc, const float* a, int64_t rsa, int64_t csa, const float* b, int64_t rsb,
                  float* c, int64_t ldc, float alpha, float beta) {
    switch (mr) {
      case 4: return rows<4>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
      case 3: return rows<3>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
      case 2: return rows<2>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
      default: return rows<1>(kc, a, rsa, csa, b, rsb, c, ldc, alpha, beta);
    }
  }
};

}  // namespace

kerno_status gemm_portable(float* C, const float* A, const float* B, const kerno_gemm_params* p) {
  try {
    return gemm_detail::gemm_run<PortableUkr>(C, A, B, p);
  } catch (...) {
    return KERNO_ERR_INTERNAL;
  }
}

}  // namespace kerno
