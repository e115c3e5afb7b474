// Internal declarations of the CPU kernels. Each op family lives in one file of native/cpu/
// with its scalar reference (`ref_*`, kept forever, the oracle the fast code is tested against
// besides the float64 checks in native/tests) and its fast CPU version (`cpu_*`).
// registry.cc assembles these into the kerno_backend tables.
#ifndef KERNO_CPU_OPS_H
#define KERNO_CPU_OPS_H

#include "cpu/arg_checks.h"
#include "kerno/kernels.h"

namespace kerno {

using gemm_fn = kerno_status (*)(float* C, const float* A, const float* B, const kerno_gemm_params* p);

// gemm.cc / gemm_avx2.cc / gemm_avx512.cc
kerno_status ref_gemm(float* C, const float* A, const float* B, const kerno_gemm_params* p);
kerno_status gemm_portable(float* C, const float* A, const float* B, const kerno_gemm_params* p);
kerno_status gemm_avx2(float* C, const float* A, const float* B, const kerno_gemm_params* p);
kerno_status gemm_avx512(float* C, const float* A, const float* B, const kerno_gemm_params* p);
// Shared validation of GEMM parameters (sizes >= 0, leading dimensions large enough), in
// arg_checks.h with the CUDA backend's.
using checks::gemm_check;

// dense.cc: written once over whichever GEMM the backend uses.
kerno_status ref_dense_forward(float* out, const float* inp, const float* kernel, const float* bias,
                               int64_t B, int64_t I, int64_t U);
kerno_status ref_dense_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                const float* inp, const float* kernel, int64_t B, int64_t I, int64_t U);
kerno_status cpu_dense_forward(gemm_fn gemm, float* out, const float* inp, const float* kernel,
                               const float* bias, int64_t B, int64_t I, int64_t U);
kerno_status cpu_dense_backward(gemm_fn gemm, float* dinp, float* dkernel, float* dbias,
                                const float* dout, const float* inp, const float* kernel, int64_t B,
                                int64_t I, int64_t U);

// activation.cc
kerno_status ref_activation_forward(float* out, const float* inp, int64_t N, const kerno_activation_params* p);
kerno_status ref_activation_backward(float* dinp, const float* dout, const float* inp, const float* out,
                                     int64_t N, const kerno_activation_params* p);
kerno_status cpu_activation_forward(float* out, const float* inp, int64_t N, const kerno_activation_params* p);
kerno_status cpu_activation_backward(float* dinp, const float* dout, const float* inp, const float* out,
                                     int64_t N, const kerno_activation_params* p);

// softmax.cc
kerno_status ref_softmax_forward(float* out, const float* inp, int64_t R, int64_t C);
kerno_status ref_softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C);
kerno_status cpu_softmax_forward(float* out, const float* inp, int64_t R, int64_t C);
kerno_status cpu_softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C);

// loss.cc
kerno_status ref_loss_forward(float* loss, const float* pred, const float* target, int64_t B, int64_t C,
                              const kerno_loss_params* p);
kerno_status ref_loss_backward(float* dpred, const float* pred, const float* target, const float* weight,
                               int64_t B, int64_t C, const kerno_loss_params* p);
kerno_status cpu_loss_forward(float* loss, const float* pred, const float* target, int64_t B, int64_t C,
                              const kerno_loss_params* p);
kerno_status cpu_loss_backward(float* dpred, const float* pred, const float* target, const float* weight,
                               int64_t B, int64_t C, const kerno_loss_params* p);

// optimizer.cc
kerno_status ref_optimizer_update(float* param, float* grad, float* slot0, float* slot1, float* slot2,
                                  int64_t N, const kerno_optimizer_params* p);
kerno_status cpu_optimizer_update(float* param, float* grad, float* slot0, float* slot1, float* slot2,
                                  int64_t N, const kerno_optimizer_params* p);
kerno_status ref_sum_squares(double* out, const float* x, int64_t N);
kerno_status cpu_sum_squares(double* out, const float* x, int64_t N);
kerno_status ref_scale(float* x, int64_t N, float s);
kerno_status cpu_scale(float* x, int64_t N, float s);
kerno_status ref_clip_by_value(float* x, int64_t N, float v);
kerno_status cpu_clip_by_value(float* x, int64_t N, float v);

// rng.cc
kerno_status ref_rng_fill(float* out, int64_t N, const kerno_rng_params* p);
kerno_status cpu_rng_fill(float* out, int64_t N, const kerno_rng_params* p);

}  // namespace kerno

#endif
