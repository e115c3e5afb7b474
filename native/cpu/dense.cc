// Dense (fully connected) layer, forward and backward. B = batch, I = input features, U = units.
//
//   out (B,U) = inp (B,I) · kernel (I,U) + bias (U)
//   dinp (B,I) += dout · kernelᵀ;  dkernel (I,U) += inpᵀ · dout;  dbias (U) += Σ_B dout
//
// The fast version is written once over the backend's GEMM (row-major,
// C = alpha·op(A)·op(B) + beta·C), so every CPU level differs only in the GEMM it passes.
#include <algorithm>
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cpu/gemm_driver.h"
#include "cpu/ops.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::dense_check_backward;
using checks::dense_check_forward;

namespace {

// Rows per thread chunk for the bias passes: about 16K elements.
int64_t row_grain(int64_t U) { return U >= 16384 ? 1 : 16384 / U; }

// out (B,U) += bias (U) broadcast over rows.
void add_bias_rows(float* out, const float* bias, int64_t B, int64_t U) {
  parallel_for(B, row_grain(U), [=](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t u = 0; u < U; ++u) out[b * U + u] += bias[u];
  });
}

// out (B,U) = bias (U) broadcast, or 0 without bias.
void fill_bias_rows(float* out, const float* bias, int64_t B, int64_t U) {
  parallel_for(B, row_grain(U), [=](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t u = 0; u < U; ++u) out[b * U + u] = bias ? bias[u] : 0.f;
  });
}

// dbias (U) += Σ_B dout (B,U). Threads split the columns so each owns its sums; within a
// column block the rows stream in order, which keeps the inner loop contiguous and vectorised.
void sum_rows_into(float* dbias, const float* dout, int64_t B, int64_t U) {
  int64_t grain = B >= 16384 ? 16 : (16384 / B < 16 ? 16 : 16384 / B);
  parallel_for(U, grain, [=](int64_t u0, int64_t u1) {
    for (int64_t b = 0; b < B; ++b) {
      const float* row = dout + b * U;
      for (int64_t u = u0; u < u1; ++u) dbias[u] += row[u];
    }
  });
}

}  // namespace

// out (B,U) = inp (B,I) · kernel (I,U) + bias (U); bias may be NULL. Writes out.
kerno_status ref_dense_forward(float* out, const float* inp, const float* kernel, const float* bias,
                               int64_t B, int64_t I, int64_t U) {
  kerno_status s = dense_check_forward(out, inp, kernel, B, I, U);
  if (s != KERNO_OK) return s;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t u = 0; u < U; ++u) {
      float acc = bias ? bias[u] : 0.f;
      for (int64_t i = 0; i < I; ++i) acc += inp[b * I + i] * kernel[i * U + u];
      out[b * U + u] = acc;
    }
  return KERNO_OK;
}

// dinp (B,I) += dout (B,U) · kernelᵀ; dkernel (I,U) += inpᵀ · dout; dbias (U) += Σ_B dout.
// inp (B,I), kernel (I,U). NULL gradients are skipped.
kerno_status ref_dense_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                const float* inp, const float* kernel, int64_t B, int64_t I, int64_t U) {
  kerno_status s = dense_check_backward(dinp, dkernel, dout, inp, kernel, B, I, U);
  if (s != KERNO_OK || B == 0 || U == 0) return s;
  if (dinp)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < I; ++i) {
        float acc = 0.f;
        for (int64_t u = 0; u < U; ++u) acc += dout[b * U + u] * kernel[i * U + u];
        dinp[b * I + i] += acc;
      }
  if (dkernel)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t u = 0; u < U; ++u) {
        float acc = 0.f;
        for (int64_t b = 0; b < B; ++b) acc += inp[b * I + i] * dout[b * U + u];
        dkernel[i * U + u] += acc;
      }
  if (dbias)
    for (int64_t u = 0; u < U; ++u) {
      float acc = 0.f;
      for (int64_t b = 0; b < B; ++b) acc += dout[b * U + u];
      dbias[u] += acc;
    }
  return KERNO_OK;
}

kerno_status cpu_dense_forward(gemm_fn gemm, float* out, const float* inp, const float* kernel,
                               const float* bias, int64_t B, int64_t I, int64_t U) {
  kerno_status s = dense_check_forward(out, inp, kernel, B, I, U);
  if (s != KERNO_OK || B == 0 || U == 0) return s;
  if (!gemm) return KERNO_ERR_INVALID_ARGUMENT;
  if (I == 0) {  // an empty product: not every GEMM defines K = 0
    fill_bias_rows(out, bias, B, U);
    return KERNO_OK;
  }
  // beta = 0 lets the GEMM ignore whatever out held (even NaN); the bias follows in one pass.
  kerno_gemm_params g{0, 0, B, U, I, I, U, U, 1.f, 0.f};
  s = gemm(out, inp, kernel, &g);
  if (s != KERNO_OK) return s;
  if (bias) add_bias_rows(out, bias, B, U);
  return KERNO_OK;
}

namespace {

// The backward products: dinp (B,I) += dout (B,U) · kernelᵀ (kernel stored (I,U)) and
// dkernel (I,U) += inpᵀ · dout (inp stored (B,I)).
struct BackwardJob {
  gemm_fn gemm;
  float *dinp, *dkernel, *dbias;
  const float *dout, *inp, *kernel;
  int64_t B, I, U;
  kerno_status status[2];

  kerno_status input_gradient() const {
    kerno_gemm_params g{0, 1, B, I, U, U, U, I, 1.f, 1.f};
    return gemm(dinp, dout, kernel, &g);
  }
  kerno_status weight_gradients() const {
    kerno_gemm_params g{1, 0, I, U, B, I, U, U, 1.f, 1.f};
    kerno_status s = dkernel && I > 0 ? gemm(dkernel, inp, dout, &g) : KERNO_OK;
    if (s == KERNO_OK && dbias) sum_rows_into(dbias, dout, B, U);
    return s;
  }
};

// Whether the two products should run side by side, one thread each, rather than one after the
// other on two threads each: when they are small (up to 8 MFLOP each; both always do the same
// 2·B·I·U flops), one thread runs a product more efficiently than two share it, and the pair
// costs one parallel region instead of two. On the MLP's 256→128 layer at batch 32 (2-core
// Zen 3): 34 µs side by side, against 18 + 21 µs for the two products on two threads each.
// Each product's arithmetic is the same
// either way (a GEMM's result does not depend on its thread count). Products smaller than
// 2^18 flops and 2^14 streamed elements each (the 128→10 output layer) finish before a second
// thread would have started, so they stay on one thread.
bool side_by_side(int64_t B, int64_t I, int64_t U) {
  if (num_threads() < 2 || in_parallel_region()) return false;
  double flops = 2.0 * static_cast<double>(B) * I * U;
  if (flops > 8e6) return false;
  double dx_elems = static_cast<double>(B) * I + static_cast<double>(I) * U + static_cast<double>(B) * U;
  double dw_elems = static_cast<double>(I) * U + static_cast<double>(B) * (I + U);
  if (std::max(dx_elems, dw_elems) > 4 * gemm_detail::kMinElemsPerThread) return false;
  return flops >= 262144.0 || std::min(dx_elems, dw_elems) >= 16384.0;
}

}  // namespace

kerno_status cpu_dense_backward(gemm_fn gemm, float* dinp, float* dkernel, float* dbias,
                                const float* dout, const float* inp, const float* kernel, int64_t B,
                                int64_t I, int64_t U) {
  kerno_status s = dense_check_backward(dinp, dkernel, dout, inp, kernel, B, I, U);
  if (s != KERNO_OK || B == 0 || U == 0) return s;
  if (!gemm) return KERNO_ERR_INVALID_ARGUMENT;
  BackwardJob job{gemm, dinp, dkernel, dbias, dout, inp, kernel, B, I, U, {KERNO_OK, KERNO_OK}};
  bool input = I > 0 && dinp;
  if (input && (dkernel || dbias) && side_by_side(B, I, U)) {
    parallel_run(
        2,
        [](void* ctx, int tid, int nt) {
          auto* j = static_cast<BackwardJob*>(ctx);
          if (tid == 0) j->status[0] = j->input_gradient();
          if (tid == 1 || nt == 1) j->status[1] = j->weight_gradients();
        },
        &job);
    return job.status[0] != KERNO_OK ? job.status[0] : job.status[1];
  }
  if (input && (s = job.input_gradient()) != KERNO_OK) return s;
  return job.weight_gradients();
}

}  // namespace kerno
