// Internal declarations of the CPU layer kernels that are not GEMM-based: pooling, batch
// normalization, dropout, zero padding / cropping / upsampling. Same pattern as ops.h: a scalar
// reference `ref_*` (kept forever, the oracle) and a fast threaded `cpu_*` shared by every CPU
// level. Contracts (shapes, accumulation) are the table comments in kerno/kernels.h.
#ifndef KERNO_CPU_OPS_LAYERS_H
#define KERNO_CPU_OPS_LAYERS_H

#include "kerno/kernels.h"

namespace kerno {

// pool.cc, pool_relu.cc
kerno_status ref_max_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p);
kerno_status ref_max_pool2d_backward(float* dinp, const float* dout, const float* inp,
                                     const kerno_conv2d_params* p);
kerno_status ref_max_pool2d_relu_backward(float* dpre, const float* dout, const float* inp,
                                          const kerno_conv2d_params* p);
kerno_status ref_avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p);
kerno_status ref_avg_pool2d_backward(float* dinp, const float* dout, const kerno_conv2d_params* p);
kerno_status ref_global_avg_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C);
kerno_status ref_global_avg_pool_backward(float* dinp, const float* dout, int64_t B, int64_t S, int64_t C);
kerno_status ref_global_max_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C);
kerno_status ref_global_max_pool_backward(float* dinp, const float* dout, const float* inp, int64_t B,
                                          int64_t S, int64_t C);
kerno_status cpu_max_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p);
kerno_status cpu_max_pool2d_backward(float* dinp, const float* dout, const float* inp,
                                     const kerno_conv2d_params* p);
kerno_status cpu_max_pool2d_relu_backward(float* dpre, const float* dout, const float* inp,
                                          const kerno_conv2d_params* p);
// The same with 8-lane AVX2 blocks (the AVX2 and AVX-512 backends only); pool_relu.cc.
kerno_status avx2_max_pool2d_relu_backward(float* dpre, const float* dout, const float* inp,
                                           const kerno_conv2d_params* p);
kerno_status cpu_avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p);
kerno_status cpu_avg_pool2d_backward(float* dinp, const float* dout, const kerno_conv2d_params* p);
kerno_status cpu_global_avg_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C);
kerno_status cpu_global_avg_pool_backward(float* dinp, const float* dout, int64_t B, int64_t S, int64_t C);
kerno_status cpu_global_max_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C);
kerno_status cpu_global_max_pool_backward(float* dinp, const float* dout, const float* inp, int64_t B,
                                          int64_t S, int64_t C);

// batchnorm.cc
kerno_status ref_batchnorm_forward_train(float* out, float* saved_mean, float* saved_invstd,
                                         float* moving_mean, float* moving_var, const float* inp,
                                         const float* gamma, const float* beta,
                                         const kerno_batchnorm_params* p);
kerno_status ref_batchnorm_forward_infer(float* out, const float* inp, const float* gamma, const float* beta,
                                         const float* moving_mean, const float* moving_var,
                                         const kerno_batchnorm_params* p);
kerno_status ref_batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout,
                                    const float* inp, const float* gamma, const float* saved_mean,
                                    const float* saved_invstd, const kerno_batchnorm_params* p);
kerno_status cpu_batchnorm_forward_train(float* out, float* saved_mean, float* saved_invstd,
                                         float* moving_mean, float* moving_var, const float* inp,
                                         const float* gamma, const float* beta,
                                         const kerno_batchnorm_params* p);
kerno_status cpu_batchnorm_forward_infer(float* out, const float* inp, const float* gamma, const float* beta,
                                         const float* moving_mean, const float* moving_var,
                                         const kerno_batchnorm_params* p);
kerno_status cpu_batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout,
                                    const float* inp, const float* gamma, const float* saved_mean,
                                    const float* saved_invstd, const kerno_batchnorm_params* p);

// dropout.cc
kerno_status ref_dropout_forward(float* out, float* mask, const float* inp, int64_t N, float rate,
                                 uint64_t seed, uint64_t offset);
kerno_status ref_dropout_backward(float* dinp, const float* dout, const float* mask, int64_t N);
kerno_status cpu_dropout_forward(float* out, float* mask, const float* inp, int64_t N, float rate,
                                 uint64_t seed, uint64_t offset);
kerno_status cpu_dropout_backward(float* dinp, const float* dout, const float* mask, int64_t N);

// pad2d.cc
kerno_status ref_zero_pad2d_forward(float* out, const float* inp, const kerno_pad2d_params* p);
kerno_status ref_zero_pad2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p);
kerno_status ref_crop2d_forward(float* out, const float* inp, const kerno_pad2d_params* p);
kerno_status ref_crop2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p);
kerno_status ref_upsample2d_forward(float* out, const float* inp, int64_t B, int64_t H, int64_t W, int64_t C,
                                    int64_t sh, int64_t sw);
kerno_status ref_upsample2d_backward(float* dinp, const float* dout, int64_t B, int64_t H, int64_t W,
                                     int64_t C, int64_t sh, int64_t sw);
kerno_status cpu_zero_pad2d_forward(float* out, const float* inp, const kerno_pad2d_params* p);
kerno_status cpu_zero_pad2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p);
kerno_status cpu_crop2d_forward(float* out, const float* inp, const kerno_pad2d_params* p);
kerno_status cpu_crop2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p);
kerno_status cpu_upsample2d_forward(float* out, const float* inp, int64_t B, int64_t H, int64_t W, int64_t C,
                                    int64_t sh, int64_t sw);
kerno_status cpu_upsample2d_backward(float* dinp, const float* dout, int64_t B, int64_t H, int64_t W,
                                     int64_t C, int64_t sh, int64_t sw);

}  // namespace kerno

#endif
