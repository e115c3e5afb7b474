// Shared plumbing of the CUDA backend: the one stream every kernel and transfer is ordered on,
// and the translation of CUDA errors into kerno_status (kernels never throw across the C ABI).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kerno/kernels.h"

namespace kerno::cuda {

// The backend's stream. Every launch and transfer goes on it, so work is ordered without
// host synchronisation; the binding synchronises only when results come down.
cudaStream_t stream();

// Status of the last launch on this thread: KERNO_ERR_DEVICE (and the CUDA error cleared) when
// cudaGetLastError reports one, KERNO_OK otherwise. Call right after each <<<...>>> launch.
inline kerno_status launch_status() {
  cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? KERNO_OK : KERNO_ERR_DEVICE;
}

// Maps a runtime call's result: allocation failures are OUT_OF_MEMORY, others DEVICE.
inline kerno_status to_status(cudaError_t e) {
  if (e == cudaSuccess) return KERNO_OK;
  cudaGetLastError();  // clear the non-sticky error so the next call starts clean
  return e == cudaErrorMemoryAllocation ? KERNO_ERR_OUT_OF_MEMORY : KERNO_ERR_DEVICE;
}

// Blocks for a 1-D grid-stride launch over n elements (capped: grid-stride loops cover the rest).
inline unsigned grid_for(int64_t n, unsigned block = 256) {
  int64_t g = (n + block - 1) / block;
  if (g < 1) g = 1;
  if (g > 65535 * 8) g = 65535 * 8;
  return static_cast<unsigned>(g);
}

// ---- additions for the dense/elementwise kernels (memory.cu, dense.cu, loss.cu, reduce.cu ...)

// Deferred status: checks that need device data (a sparse class index outside [0, C)) cannot
// return a status without a host synchronisation per call. The kernel records the status in
// this device int instead (first writer wins in practice; any non-zero value is an error), and
// the next synchronize() or mem_download() reports it and clears it. Returns NULL when the slot
// could not be allocated (no device): callers then return KERNO_ERR_DEVICE.
int* deferred_status_slot();

__device__ __forceinline__ void defer_status(int* slot, kerno_status s) {
  if (slot) *reinterpret_cast<volatile int*>(slot) = static_cast<int>(s);
}

// ---- index helpers of the grid-stride kernels (pad2d.cu, pool.cu, depthwise_conv2d.cu, batchnorm.cu)

// q = n / d with *r = n % d for n ≥ 0, d ≥ 1: 32-bit division when both fit (64-bit division is
// a slow software routine on the GPU).
__device__ __forceinline__ int64_t div_mod(int64_t n, int64_t d, int64_t* r) {
  if (((n | d) >> 31) == 0) {
    uint32_t q = static_cast<uint32_t>(n) / static_cast<uint32_t>(d);
    *r = n - static_cast<int64_t>(q) * d;
    return q;
  }
  int64_t q = n / d;
  *r = n - q * d;
  return q;
}

// First element and stride of a 1-D grid-stride loop.
__device__ __forceinline__ int64_t grid_start() { return blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; }
__device__ __forceinline__ int64_t grid_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// Warp-wide reductions (all 32 lanes must take part; every lane receives the result).
template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

}  // namespace kerno::cuda

// Propagates a non-OK status from an expression (inside functions returning kerno_status).
#define KERNO_CUDA_TRY(expr)                      \
  do {                                            \
    kerno_status kerno_s_ = (expr);               \
    if (kerno_s_ != KERNO_OK) return kerno_s_;    \
  } while (0)
