// Row-wise softmax on the GPU, forward and backward. R = rows, C = columns (the softmax axis).
//
// One warp per row: the lanes stride over the columns and combine with shuffles, so rows of
// any length (10 classes or 100k) are one launch. Forward subtracts the row maximum before exp
// (finite for any finite logits); a NaN anywhere in a row makes the whole row NaN (exp(NaN −
// max) poisons the sum), as in TensorFlow and native/cpu/softmax.cc. Backward uses the forward
// output y: dinp += y ⊙ (dout − Σ_c dout·y). Sums run in a fixed order (lane strides, then a
// butterfly), so results are the same on every run.
#include <cuda_runtime.h>

#include "cpu/arg_checks.h"
#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {

using checks::softmax_check_backward;
using checks::softmax_check_forward;

namespace {

constexpr int kWarpsPerBlock = 8;

// out may alias inp: every lane reads its columns in the first two passes and writes each column
// only in the last pass, after reading that same column itself.
__global__ void softmax_forward_kernel(float* out, const float* inp, int64_t R, int64_t C) {
  const int lane = threadIdx.x & 31;
  const int64_t row = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (row >= R) return;  // whole warps leave together
  const float* x = inp + row * C;
  float* y = out + row * C;
  float m = -INFINITY;
  for (int64_t c = lane; c < C; c += 32) m = fmaxf(m, x[c]);
  m = warp_max(m);
  float s = 0.f;
  for (int64_t c = lane; c < C; c += 32) s += expf(x[c] - m);
  s = warp_sum(s);
  for (int64_t c = lane; c < C; c += 32) y[c] = expf(x[c] - m) / s;
}

__global__ void softmax_backward_kernel(float* dinp, const float* __restrict__ dout, const float* __restrict__ out,
                                        int64_t R, int64_t C) {
  const int lane = threadIdx.x & 31;
  const int64_t row = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (row >= R) return;
  const float* g = dout + row * C;
  const float* y = out + row * C;
  float dot = 0.f;
  for (int64_t c = lane; c < C; c += 32) dot += g[c] * y[c];
  dot = warp_sum(dot);
  for (int64_t c = lane; c < C; c += 32) dinp[row * C + c] += y[c] * (g[c] - dot);
}

kerno_status row_grid(int64_t R, unsigned* blocks) {
  int64_t b = (R + kWarpsPerBlock - 1) / kWarpsPerBlock;
  if (b > 0x7fffffff) return KERNO_ERR_UNSUPPORTED;
  *blocks = static_cast<unsigned>(b);
  return KERNO_OK;
}

}  // namespace

kerno_status softmax_forward(float* out, const float* inp, int64_t R, int64_t C) {
  kerno_status s = softmax_check_forward(out, inp, R, C);
  if (s != KERNO_OK || R == 0 || C == 0) return s;
  unsigned blocks;
  KERNO_CUDA_TRY(row_grid(R, &blocks));
  softmax_forward_kernel<<<blocks, 32 * kWarpsPerBlock, 0, stream()>>>(out, inp, R, C);
  return launch_status();
}

kerno_status softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C) {
  kerno_status s = softmax_check_backward(dinp, dout, out, R, C);
  if (s != KERNO_OK || R == 0 || C == 0) return s;
  unsigned blocks;
  KERNO_CUDA_TRY(row_grid(R, &blocks));
  softmax_backward_kernel<<<blocks, 32 * kWarpsPerBlock, 0, stream()>>>(dinp, dout, out, R, C);
  return launch_status();
}

}  // namespace kerno::cuda
