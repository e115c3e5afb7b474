// Elementwise activations on the GPU, forward and backward. N = element count.
// The maths is activation.cuh's (shared with the conv epilogues); semantics are those of
// native/cpu/activation.cc, validation native/cpu/arg_checks.h's (shared with it). Each thread handles elements i, i + stride, ... so any N
// is one launch; the kind is uniform across the launch, so its switch never diverges.
#include <cuda_runtime.h>

#include "cuda/activation.cuh"
#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {

using checks::activation_check_backward;
using checks::activation_check_forward;

namespace {

// out may alias inp: each element is read, then written, by the same thread.
__global__ void activation_forward_kernel(float* out, const float* inp, int64_t N, int kind, float alpha) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = act_apply(inp[i], kind, alpha);
}

// dinp (N) += dout · act'(inp), with out = act(inp) for the kinds whose derivative uses it.
__global__ void activation_backward_kernel(float* dinp, const float* __restrict__ dout,
                                           const float* __restrict__ inp, const float* __restrict__ out,
                                           int64_t N, int kind, float alpha) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dinp[i] += dout[i] * act_grad(inp[i], out[i], kind, alpha);
}

}  // namespace

kerno_status activation_forward(float* out, const float* inp, int64_t N, const kerno_activation_params* p) {
  kerno_status s = activation_check_forward(out, inp, N, p);
  if (s != KERNO_OK || N == 0) return s;
  activation_forward_kernel<<<grid_for(N), 256, 0, stream()>>>(out, inp, N, p->kind, p->alpha);
  return launch_status();
}

kerno_status activation_backward(float* dinp, const float* dout, const float* inp, const float* out, int64_t N,
                                 const kerno_activation_params* p) {
  kerno_status s = activation_check_backward(dinp, dout, inp, out, N, p);
  if (s != KERNO_OK || N == 0) return s;
  activation_backward_kernel<<<grid_for(N), 256, 0, stream()>>>(dinp, dout, inp, out, N, p->kind, p->alpha);
  return launch_status();
}

}  // namespace kerno::cuda
