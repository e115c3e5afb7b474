// Inverted dropout on the GPU, the CUDA twin of native/cpu/dropout.cc, with the same keep rule so
// a seed gives the same mask on every backend: element i keeps iff u_j ≥ rate, where j = offset + i
// and u_j is rng_fill's UNIFORM [0, 1) element j, the top 24 bits of Philox4x32-10 word (j & 3) of
// block j >> 2 (stream 0) times 2^-24 (philox.h, shared with the CPU). mask = keep ? 1/(1 − rate)
// : 0 and out = inp·mask. N = element count.
//
// out may alias inp (each element is read before it is written by the same thread).
// One thread per Philox block: it evaluates the generator once and serves the up to four elements
// of that block inside [offset, offset + N). u is an exact multiple of 2^-24 and rate a float, so
// the float comparison equals the CPU's double one.
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cpu/philox.h"
#include "cuda/common.cuh"
#include "cuda/conv_ops.h"

namespace kerno::cuda {

using checks::dropout_check_backward;
using checks::dropout_check_forward;

namespace {

__global__ void dropout_forward_kernel(float* out, float* __restrict__ mask, const float* inp,
                                       int64_t N, uint64_t offset, uint32_t k0, uint32_t k1, float rate, float scale) {
  const uint64_t q0 = offset >> 2, blocks = ((offset + static_cast<uint64_t>(N) - 1) >> 2) - q0 + 1;
  for (uint64_t t = blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x; t < blocks;
       t += static_cast<uint64_t>(gridDim.x) * blockDim.x) {
    const uint64_t q = q0 + t;
    const Philox4x32 x = philox4x32_10({{static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), 0u, 0u}}, k0, k1);
#pragma unroll
    for (int w = 0; w < 4; ++w) {
      const uint64_t j = q * 4 + w;
      if (j < offset || j - offset >= static_cast<uint64_t>(N)) continue;
      const int64_t i = static_cast<int64_t>(j - offset);
      const float u = static_cast<float>(x.v[w] >> 8) * (1.f / 16777216.f);
      const float m = u >= rate ? scale : 0.f;
      mask[i] = m;
      out[i] = inp[i] * m;
    }
  }
}

__global__ void dropout_backward_kernel(float* __restrict__ dinp, const float* __restrict__ dout,
                                        const float* __restrict__ mask, int64_t N) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dinp[i] += dout[i] * mask[i];
}

}  // namespace

kerno_status dropout_forward(float* out, float* mask, const float* inp, int64_t N, float rate, uint64_t seed,
                             uint64_t offset) {
  kerno_status s = dropout_check_forward(out, mask, inp, N, rate);
  if (s != KERNO_OK || N == 0) return s;
  const float scale = static_cast<float>(1.0 / (1.0 - static_cast<double>(rate)));
  const int64_t blocks = static_cast<int64_t>(((offset + static_cast<uint64_t>(N) - 1) >> 2) - (offset >> 2) + 1);
  dropout_forward_kernel<<<grid_for(blocks), 256, 0, stream()>>>(out, mask, inp, N, offset, static_cast<uint32_t>(seed),
                                                                static_cast<uint32_t>(seed >> 32), rate, scale);
  return launch_status();
}

kerno_status dropout_backward(float* dinp, const float* dout, const float* mask, int64_t N) {
  kerno_status s = dropout_check_backward(dinp, dout, mask, N);
  if (s != KERNO_OK || N == 0) return s;
  dropout_backward_kernel<<<grid_for(N), 256, 0, stream()>>>(dinp, dout, mask, N);
  return launch_status();
}

}  // namespace kerno::cuda
