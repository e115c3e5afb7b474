// Optimizer updates on the GPU: one fused launch over the flat parameter buffer (N = parameter
// count; param, grad and every slot are (N) float32 device arrays), Keras 3 formulas.
//
// The per-call scalars (bias corrections, Keras's `1 − β` rounding, Nadam's momentum schedule)
// are computed on the host exactly as native/cpu/optimizer.cc does, and each element's update
// is that file's reference expression in the same float operation order. This file is compiled
// with --fmad=false (CMakeLists.txt) so nvcc does not fuse a·b + c; with IEEE division and sqrt
// (nvcc's defaults) the results then equal the CPU backend's bit for bit.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cpu/optimizer_coeffs.h"
#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {
namespace {

using opt::Coeffs;
using opt::make_coeffs;
using opt::needed_slots;

using opt::outer_at;
using opt::outer_end;
using opt::update_one;

// The outer-product weights of one call (kerno_outer_grad), passed by value as a kernel argument.
struct OuterGrads {
  int32_t n;
  kerno_outer_grad w[KERNO_MAX_OUTER_GRADS];
};

// Each element is loaded into registers, updated and stored once; slot pointers of unused
// slots are NULL and never offset. An element of an outer-product weight generates its gradient
// (the few weights are scanned in order) and leaves grad alone.
__global__ void optimizer_kernel(float* param, float* __restrict__ grad, float* s0, float* s1, float* s2,
                                 int64_t N, Coeffs c, bool zero_grad, OuterGrads outer) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int32_t o = 0;
    while (o < outer.n && i >= outer_end(outer.w[o])) ++o;
    const bool generated = o < outer.n && i >= outer.w[o].offset;
    float w = param[i], a = s0 ? s0[i] : 0.f, b = s1 ? s1[i] : 0.f, h = s2 ? s2[i] : 0.f;
    float g = generated ? outer_at(outer.w[o], i - outer.w[o].offset) : grad[i];
    if (zero_grad && !generated) grad[i] = 0.f;
    update_one(c, &w, g, &a, &b, &h);
    param[i] = w;
    if (s0) s0[i] = a;
    if (s1) s1[i] = b;
    if (s2) s2[i] = h;
  }
}

}  // namespace

kerno_status optimizer_update(float* param, float* grad, float* slot0, float* slot1, float* slot2, int64_t N,
                              const kerno_optimizer_params* p) {
  kerno_status s = opt::update_check(param, grad, slot0, slot1, slot2, N, p);
  if (s != KERNO_OK || N == 0) return s;
  bool need[3];
  needed_slots(*p, need);
  const Coeffs c = make_coeffs(*p);
  OuterGrads outer{};
  outer.n = p->n_outer;
  for (int32_t i = 0; i < p->n_outer; ++i) outer.w[i] = p->outer[i];
  optimizer_kernel<<<grid_for(N), 256, 0, stream()>>>(param, grad, need[0] ? slot0 : nullptr,
                                                     need[1] ? slot1 : nullptr, need[2] ? slot2 : nullptr, N, c,
                                                     p->zero_grad != 0, outer);
  return launch_status();
}

}  // namespace kerno::cuda
