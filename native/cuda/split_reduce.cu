// Helpers of the conv-family kernels that split a long reduction over blocks (conv2d.cu,
// depthwise_conv2d.cu, batchnorm.cu): the SM count that sizes the split, scoped scratch memory
// for the partials, and their ordered sum. Declared in split_reduce.h.
#include <atomic>
#include <cstdint>

#include "cuda/common.cuh"
#include "cuda/dense_ops.h"
#include "cuda/split_reduce.h"

namespace kerno::cuda {

// Streaming multiprocessors of the current device (sizes the split reductions); 108 when the
// query fails, which only changes how work is split.
int device_sm_count() {
  static std::atomic<int> cached{0};
  int n = cached.load(std::memory_order_relaxed);
  if (n > 0) return n;
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess ||
      n < 1) {
    cudaGetLastError();
    n = 108;
  }
  cached.store(n, std::memory_order_relaxed);
  return n;
}

// Runs body(ws, ctx) with `bytes` of device scratch from the backend's caching allocator
// (memory.cu; ws is NULL when bytes == 0) and returns the block right after body has QUEUED its
// kernels: every kernel runs on the one stream, so the block's next owner's work is ordered after
// ours (the allocator's documented reuse rule), and a steady training step never calls cudaMalloc.
kerno_status with_scratch(size_t bytes, kerno_status (*body)(void* ws, void* ctx), void* ctx) {
  void* ws = nullptr;
  KERNO_CUDA_TRY(mem_alloc(&ws, bytes));
  kerno_status s = body(ws, ctx);
  kerno_status f = mem_free(ws);
  return s != KERNO_OK ? s : f;
}

namespace {

// dst (n) += Σ_s ws (splits, n)[s], summed in split order.
__global__ void add_split_sums_kernel(float* __restrict__ dst, const float* __restrict__ ws, int64_t n, int64_t splits) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float s = 0.f;
    for (int64_t t = 0; t < splits; ++t) s += ws[t * n + i];
    dst[i] += s;
  }
}

}  // namespace

// Host wrapper of the ordered partial-sum pass.
kerno_status add_split_sums(float* dst, const float* ws, int64_t n, int64_t splits) {
  if (n <= 0) return KERNO_OK;
  add_split_sums_kernel<<<grid_for(n), 256, 0, stream()>>>(dst, ws, n, splits);
  return launch_status();
}

}  // namespace kerno::cuda
