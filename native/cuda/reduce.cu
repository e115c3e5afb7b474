// Gradient-clipping helpers on the GPU. N = element count.
//   sum_squares: *out (a device double) = Σ x² accumulated in double;
//   scale: x *= s;  clip_by_value: x = clamp(x, −v, v) with NaN kept (compares, not fmin/fmax).
//
// sum_squares runs in two fixed-shape passes (per-block partial sums over a grid that depends
// only on N, then one block adding the partials in index order), with no atomics, so the same
// input always gives the same bits.
#include <cuda_runtime.h>

#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {
namespace {

constexpr int kReduceThreads = 256;
constexpr int kMaxPartials = 1024;

// Tree sum of one value per thread over the block (blockDim.x == kReduceThreads); thread 0 gets it.
__device__ double block_sum(double v) {
  __shared__ double warp_part[kReduceThreads / 32];
  v = warp_sum(v);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) warp_part[warp] = v;
  __syncthreads();
  double s = 0.0;
  if (threadIdx.x == 0)
    for (int w = 0; w < kReduceThreads / 32; ++w) s += warp_part[w];
  return s;
}

__global__ void sum_squares_partial_kernel(double* partial, const float* __restrict__ x, int64_t N) {
  double acc = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double v = x[i];
    acc += v * v;
  }
  double s = block_sum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

__global__ void sum_partials_kernel(double* out, const double* __restrict__ partial, int n) {
  double acc = 0.0;
  for (int i = threadIdx.x; i < n; i += blockDim.x) acc += partial[i];
  double s = block_sum(acc);
  if (threadIdx.x == 0) *out = s;
}

__global__ void scale_kernel(float* x, int64_t N, float s) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    x[i] *= s;
}

__global__ void clip_kernel(float* x, int64_t N, float v) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float t = x[i] > v ? v : x[i];
    x[i] = t < -v ? -v : t;
  }
}

}  // namespace

kerno_status sum_squares(double* out, const float* x, int64_t N) {
  if (!out || N < 0 || (N > 0 && !x)) return KERNO_ERR_INVALID_ARGUMENT;
  if (N == 0) return to_status(cudaMemsetAsync(out, 0, sizeof(double), stream()));  // +0.0 is all-zero bits
  // Four elements per thread before the grid starts striding; at most kMaxPartials blocks.
  int64_t blocks = (N + 4 * kReduceThreads - 1) / (4 * kReduceThreads);
  if (blocks > kMaxPartials) blocks = kMaxPartials;
  void* scratch = nullptr;
  KERNO_CUDA_TRY(mem_alloc(&scratch, static_cast<size_t>(blocks) * sizeof(double)));
  double* partial = static_cast<double*>(scratch);
  sum_squares_partial_kernel<<<static_cast<unsigned>(blocks), kReduceThreads, 0, stream()>>>(partial, x, N);
  kerno_status s = launch_status();
  if (s == KERNO_OK) {
    sum_partials_kernel<<<1, kReduceThreads, 0, stream()>>>(out, partial, static_cast<int>(blocks));
    s = launch_status();
  }
  // Freed at once: the allocator hands it out again only to work queued after these kernels.
  mem_free(scratch);
  return s;
}

kerno_status scale(float* x, int64_t N, float s) {
  if (N < 0 || (N > 0 && !x)) return KERNO_ERR_INVALID_ARGUMENT;
  if (N == 0) return KERNO_OK;
  scale_kernel<<<grid_for(N), 256, 0, stream()>>>(x, N, s);
  return launch_status();
}

kerno_status clip_by_value(float* x, int64_t N, float v) {
  if (N < 0 || (N > 0 && !x) || !(v >= 0.f)) return KERNO_ERR_INVALID_ARGUMENT;
  if (N == 0) return KERNO_OK;
  clip_kernel<<<grid_for(N), 256, 0, stream()>>>(x, N, v);
  return launch_status();
}

}  // namespace kerno::cuda
