// The CUDA backend's memory functions and its non-convolutional kernels (GEMM, dense, activations,
// softmax, losses, optimizers, reductions, random fills). Signatures and semantics are those of
// the matching kerno_backend fields in kerno/kernels.h; every tensor pointer is a device pointer
// (one that mem_alloc returned, or an offset into one), parameter structs are host memory.
// Each function validates its arguments exactly as the CPU backend does, launches on the
// backend's stream (kerno::cuda::stream()) and returns a status, never throwing.
#pragma once

#include "kerno/kernels.h"

namespace kerno::cuda {

// ---- memory.cu: the caching allocator and transfers (all ordered on the one stream).
kerno_status mem_alloc(void** out, size_t bytes);
kerno_status mem_free(void* p);
kerno_status mem_upload(void* dst_dev, const void* src_host, size_t bytes);
kerno_status mem_download(void* dst_host, const void* src_dev, size_t bytes);
kerno_status mem_zero(void* dst_dev, size_t bytes);
kerno_status mem_copy(void* dst_dev, const void* src_dev, size_t bytes);
kerno_status synchronize();
// Returns every cached (freed) block to the driver; done automatically before an allocation
// that would otherwise fail. Blocks still allocated are untouched.
kerno_status release_cached_memory();

// ---- gemm.cu
kerno_status gemm(float* C, const float* A, const float* B, const kerno_gemm_params* p);
// The same product with bias (N, may be NULL) added to every row of C after alpha·AB + beta·C,
// in the GEMM's epilogue (dense forward uses it to avoid a second pass over the output).
kerno_status gemm_bias(float* C, const float* A, const float* B, const float* bias, const kerno_gemm_params* p);
// Whether the TF32 tensor-core path is on (kerno_cuda_set_tf32).
bool tf32_enabled();

// ---- dense.cu
kerno_status dense_forward(float* out, const float* inp, const float* kernel, const float* bias, int64_t B,
                           int64_t I, int64_t U);
kerno_status dense_backward(float* dinp, float* dkernel, float* dbias, const float* dout, const float* inp,
                            const float* kernel, int64_t B, int64_t I, int64_t U);

// ---- activation.cu
kerno_status activation_forward(float* out, const float* inp, int64_t N, const kerno_activation_params* p);
kerno_status activation_backward(float* dinp, const float* dout, const float* inp, const float* out, int64_t N,
                                 const kerno_activation_params* p);

// ---- softmax.cu
kerno_status softmax_forward(float* out, const float* inp, int64_t R, int64_t C);
kerno_status softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C);

// ---- loss.cu. A sparse class index outside [0, C) is reported through the deferred status
// (common.cuh): the call returns OK, the row's outputs are NaN, and the next synchronize() or
// mem_download() returns KERNO_ERR_INVALID_ARGUMENT.
kerno_status loss_forward(float* loss, const float* pred, const float* target, int64_t B, int64_t C,
                          const kerno_loss_params* p);
kerno_status loss_backward(float* dpred, const float* pred, const float* target, const float* weight, int64_t B,
                           int64_t C, const kerno_loss_params* p);

// ---- optimizer.cu
kerno_status optimizer_update(float* param, float* grad, float* slot0, float* slot1, float* slot2, int64_t N,
                              const kerno_optimizer_params* p);

// ---- reduce.cu. sum_squares writes a DEVICE double.
kerno_status sum_squares(double* out, const float* x, int64_t N);
kerno_status scale(float* x, int64_t N, float s);
kerno_status clip_by_value(float* x, int64_t N, float v);

// ---- rng.cu
kerno_status rng_fill(float* out, int64_t N, const kerno_rng_params* p);

}  // namespace kerno::cuda
