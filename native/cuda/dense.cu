// Dense (fully connected) layer on the GPU. B = batch, I = input features, U = units.
//
//   out (B,U) = inp (B,I) · kernel (I,U) + bias (U)          (one GEMM, bias in its epilogue)
//   dinp (B,I) += dout · kernelᵀ;  dkernel (I,U) += inpᵀ · dout  (GEMMs with beta = 1)
//   dbias (U) += Σ_B dout                                   (column sums, fixed order)
//
// Validation is native/cpu/arg_checks.h's, shared with the CPU so every backend answers the same status.
#include <cuda_runtime.h>

#include "cpu/arg_checks.h"
#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {

using checks::dense_check_backward;
using checks::dense_check_forward;

namespace {

// out (B,U) = bias broadcast over rows, or zeros: the I = 0 forward.
__global__ void fill_bias_kernel(float* out, const float* bias, int64_t B, int64_t U) {
  const int64_t total = B * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = bias ? bias[i % U] : 0.f;
}

// dbias (U) += Σ_b dout (B,U). Block (32, 32): 32 consecutive columns (coalesced rows), 32 row
// phases; each thread sums rows ty, ty+32, ... in order, then the 32 partial sums are added in a
// fixed order, so the result never depends on scheduling.
constexpr int kColSumY = 32;
__global__ void column_sum_kernel(float* dbias, const float* dout, int64_t B, int64_t U) {
  __shared__ float part[kColSumY][32];
  const int64_t u = blockIdx.x * static_cast<int64_t>(32) + threadIdx.x;
  float s = 0.f;
  if (u < U)
    for (int64_t b = threadIdx.y; b < B; b += kColSumY) s += dout[b * U + u];
  part[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && u < U) {
    float t = part[0][threadIdx.x];
    for (int y = 1; y < kColSumY; ++y) t += part[y][threadIdx.x];
    dbias[u] += t;
  }
}

}  // namespace

kerno_status dense_forward(float* out, const float* inp, const float* kernel, const float* bias, int64_t B,
                           int64_t I, int64_t U) {
  KERNO_CUDA_TRY(dense_check_forward(out, inp, kernel, B, I, U));
  if (B == 0 || U == 0) return KERNO_OK;
  if (I == 0) {  // an empty product: the output is the bias
    fill_bias_kernel<<<grid_for(B * U), 256, 0, stream()>>>(out, bias, B, U);
    return launch_status();
  }
  // beta = 0: whatever out held (even NaN) is ignored.
  kerno_gemm_params g{0, 0, B, U, I, I, U, U, 1.f, 0.f};
  return gemm_bias(out, inp, kernel, bias, &g);
}

kerno_status dense_backward(float* dinp, float* dkernel, float* dbias, const float* dout, const float* inp,
                            const float* kernel, int64_t B, int64_t I, int64_t U) {
  KERNO_CUDA_TRY(dense_check_backward(dinp, dkernel, dout, inp, kernel, B, I, U));
  if (B == 0 || U == 0) return KERNO_OK;
  if (I > 0 && dinp) {  // dinp (B,I) += dout (B,U) · kernelᵀ, kernel stored (I,U)
    kerno_gemm_params g{0, 1, B, I, U, U, U, I, 1.f, 1.f};
    KERNO_CUDA_TRY(gemm(dinp, dout, kernel, &g));
  }
  if (I > 0 && dkernel) {  // dkernel (I,U) += inpᵀ · dout, inp stored (B,I)
    kerno_gemm_params g{1, 0, I, U, B, I, U, U, 1.f, 1.f};
    KERNO_CUDA_TRY(gemm(dkernel, inp, dout, &g));
  }
  if (dbias) {
    const int64_t blocks = (U + 31) / 32;
    if (blocks > 0x7fffffff) return KERNO_ERR_UNSUPPORTED;
    column_sum_kernel<<<static_cast<unsigned>(blocks), dim3(32, kColSumY), 0, stream()>>>(dbias, dout, B, U);
    KERNO_CUDA_TRY(launch_status());
  }
  return KERNO_OK;
}

}  // namespace kerno::cuda
