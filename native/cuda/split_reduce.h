// Shared by the conv-family CUDA files that split a long reduction over blocks (conv2d.cu,
// depthwise_conv2d.cu, batchnorm.cu); defined in split_reduce.cu.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kerno/kernels.h"

namespace kerno::cuda {

// Streaming multiprocessors of the current device; 108 when the query fails.
int device_sm_count();
// Runs body(ws, ctx) with `bytes` of device scratch from the caching allocator (see split_reduce.cu).
kerno_status with_scratch(size_t bytes, kerno_status (*body)(void* ws, void* ctx), void* ctx);
// dst (n) += Σ_s ws (splits, n)[s], summed in split order (deterministic).
kerno_status add_split_sums(float* dst, const float* ws, int64_t n, int64_t splits);

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace kerno::cuda
