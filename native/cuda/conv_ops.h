// The convolutional-network kernels of the CUDA backend (conv2d, depthwise, pooling, batch
// normalization, dropout, pad/crop/upsample). Signatures and semantics are those of the matching
// kerno_backend fields in kerno/kernels.h; every pointer is a device pointer. Each function
// validates its sizes, launches on the backend's stream (kerno::cuda::stream()) and returns
// KERNO_ERR_DEVICE on a launch failure, never throwing.
#pragma once

#include "kerno/kernels.h"

namespace kerno::cuda {

kerno_status conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                            const kerno_conv2d_params* p);
kerno_status conv2d_backward_data(float* dinp, const float* dout, const float* kernel, const kerno_conv2d_params* p);
kerno_status conv2d_backward_filter(float* dkernel, float* dbias, const float* dout, const float* inp,
                                    const kerno_conv2d_params* p);
kerno_status depthwise_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                      const kerno_conv2d_params* p);
kerno_status depthwise_conv2d_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                       const float* inp, const float* kernel, const kerno_conv2d_params* p);

kerno_status max_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p);
kerno_status max_pool2d_backward(float* dinp, const float* dout, const float* inp, const kerno_conv2d_params* p);
kerno_status max_pool2d_relu_backward(float* dpre, const float* dout, const float* inp, const kerno_conv2d_params* p);
kerno_status avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p);
kerno_status avg_pool2d_backward(float* dinp, const float* dout, const kerno_conv2d_params* p);
kerno_status global_avg_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C);
kerno_status global_avg_pool_backward(float* dinp, const float* dout, int64_t B, int64_t S, int64_t C);
kerno_status global_max_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C);
kerno_status global_max_pool_backward(float* dinp, const float* dout, const float* inp, int64_t B, int64_t S,
                                      int64_t C);

kerno_status batchnorm_forward_train(float* out, float* saved_mean, float* saved_invstd, float* moving_mean,
                                     float* moving_var, const float* inp, const float* gamma, const float* beta,
                                     const kerno_batchnorm_params* p);
kerno_status batchnorm_forward_infer(float* out, const float* inp, const float* gamma, const float* beta,
                                     const float* moving_mean, const float* moving_var,
                                     const kerno_batchnorm_params* p);
kerno_status batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout, const float* inp,
                                const float* gamma, const float* saved_mean, const float* saved_invstd,
                                const kerno_batchnorm_params* p);

kerno_status dropout_forward(float* out, float* mask, const float* inp, int64_t N, float rate, uint64_t seed,
                             uint64_t offset);
kerno_status dropout_backward(float* dinp, const float* dout, const float* mask, int64_t N);

kerno_status zero_pad2d_forward(float* out, const float* inp, const kerno_pad2d_params* p);
kerno_status zero_pad2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p);
kerno_status crop2d_forward(float* out, const float* inp, const kerno_pad2d_params* p);
kerno_status crop2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p);
kerno_status upsample2d_forward(float* out, const float* inp, int64_t B, int64_t H, int64_t W, int64_t C, int64_t sh,
                                int64_t sw);
kerno_status upsample2d_backward(float* dinp, const float* dout, int64_t B, int64_t H, int64_t W, int64_t C,
                                 int64_t sh, int64_t sw);

}  // namespace kerno::cuda
