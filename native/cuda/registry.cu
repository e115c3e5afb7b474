// The "cuda" backend table: the device-memory entries (memory.cu), the dense/elementwise kernels
// (dense_ops.h) and the convolutional-network kernels (conv_ops.h). native/cpu/registry.cc lists
// it when a usable device is present (kerno_cuda_backend() non-NULL).
#include <cuda_runtime.h>

#include "cuda/conv_ops.h"
#include "cuda/dense_ops.h"
#include "kerno/kernels.h"

namespace kerno::cuda {
namespace {

kerno_backend make_cuda() {
  kerno_backend b{};
  b.name = "cuda";
  b.mem_alloc = mem_alloc;
  b.mem_free = mem_free;
  b.mem_upload = mem_upload;
  b.mem_download = mem_download;
  b.mem_zero = mem_zero;
  b.mem_copy = mem_copy;
  b.synchronize = synchronize;
  b.gemm = gemm;
  b.dense_forward = dense_forward;
  b.dense_backward = dense_backward;
  b.activation_forward = activation_forward;
  b.activation_backward = activation_backward;
  b.softmax_forward = softmax_forward;
  b.softmax_backward = softmax_backward;
  b.loss_forward = loss_forward;
  b.loss_backward = loss_backward;
  b.optimizer_update = optimizer_update;
  b.sum_squares = sum_squares;
  b.scale = scale;
  b.clip_by_value = clip_by_value;
  b.rng_fill = rng_fill;
  b.conv2d_forward = conv2d_forward;
  b.conv2d_backward_data = conv2d_backward_data;
  b.conv2d_backward_filter = conv2d_backward_filter;
  b.depthwise_conv2d_forward = depthwise_conv2d_forward;
  b.depthwise_conv2d_backward = depthwise_conv2d_backward;
  b.max_pool2d_forward = max_pool2d_forward;
  b.max_pool2d_backward = max_pool2d_backward;
  b.max_pool2d_relu_backward = max_pool2d_relu_backward;
  b.avg_pool2d_forward = avg_pool2d_forward;
  b.avg_pool2d_backward = avg_pool2d_backward;
  b.global_avg_pool_forward = global_avg_pool_forward;
  b.global_avg_pool_backward = global_avg_pool_backward;
  b.global_max_pool_forward = global_max_pool_forward;
  b.global_max_pool_backward = global_max_pool_backward;
  b.batchnorm_forward_train = batchnorm_forward_train;
  b.batchnorm_forward_infer = batchnorm_forward_infer;
  b.batchnorm_backward = batchnorm_backward;
  b.dropout_forward = dropout_forward;
  b.dropout_backward = dropout_backward;
  b.zero_pad2d_forward = zero_pad2d_forward;
  b.zero_pad2d_backward = zero_pad2d_backward;
  b.crop2d_forward = crop2d_forward;
  b.crop2d_backward = crop2d_backward;
  b.upsample2d_forward = upsample2d_forward;
  b.upsample2d_backward = upsample2d_backward;
  return b;
}

// The kernels are built for sm_80 and sm_90 (plus compute_90 PTX, which newer GPUs JIT-compile);
// an older GPU could load none of them, and the TF32 path needs sm_80's mma.
bool device_usable() {
  int n = 0, dev = 0, major = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n <= 0 || cudaGetDevice(&dev) != cudaSuccess ||
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return major >= 8;
}

}  // namespace
}  // namespace kerno::cuda

// The table, or NULL when no usable device (compute capability 8.0+) is present. Checked once.
extern "C" const kerno_backend* kerno_cuda_backend(void) {
  static const kerno_backend table = kerno::cuda::make_cuda();
  static const bool usable = kerno::cuda::device_usable();
  return usable ? &table : nullptr;
}
