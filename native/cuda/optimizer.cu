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
using opt::params_valid;

// One element, native/cpu/optimizer.cc's ref_one verbatim (slots the kind does not use are
// never touched: their pointers may be NULL).
__device__ __forceinline__ void update_one(const Coeffs& c, float* w, float g, float* s0, float* s1, float* s2) {
  if (c.wd != 0.f) *w = *w - *w * c.wd * c.lr;
  switch (c.kind) {
    case KERNO_OPT_SGD:
      if (c.momentum != 0.f) {
        *s0 = *s0 * c.momentum - g * c.lr;
        *w = c.nesterov ? *w + (*s0 * c.momentum - g * c.lr) : *w + *s0;
      } else {
        *w = *w - g * c.lr;
      }
      break;
    case KERNO_OPT_ADAGRAD:
      *s0 = *s0 + g * g;
      *w = *w - (c.lr * g) / sqrtf(*s0 + c.eps);
      break;
    case KERNO_OPT_RMSPROP: {
      *s0 = c.rho * *s0 + c.one_minus_rho * (g * g);
      float denom;
      if (c.centered) {
        *s2 = c.rho * *s2 + c.one_minus_rho * g;
        denom = *s0 - *s2 * *s2 + c.eps;
      } else {
        denom = *s0 + c.eps;
      }
      float inc = (c.lr * g) / sqrtf(denom);
      if (c.momentum > 0.f) {
        *s1 = c.momentum * *s1 + inc;
        *w = *w - *s1;
      } else {
        *w = *w - inc;
      }
      break;
    }
    case KERNO_OPT_ADAM: {
      *s0 = *s0 + (g - *s0) * c.one_minus_b1;
      *s1 = *s1 + (g * g - *s1) * c.one_minus_b2;
      float v = *s1;
      if (c.amsgrad) {
        *s2 = *s2 < *s1 ? *s1 : *s2;
        v = *s2;
      }
      *w = *w - (*s0 * c.alpha) / (sqrtf(v) + c.eps);
      break;
    }
    case KERNO_OPT_NADAM: {
      *s0 = *s0 + (g - *s0) * c.one_minus_b1;
      *s1 = *s1 + (g * g - *s1) * c.one_minus_b2;
      float m_hat = (c.u_next * *s0) / c.d_next + (c.c_g * g) / c.d_now;
      float v_hat = *s1 / c.d_v;
      *w = *w - (m_hat * c.lr) / (sqrtf(v_hat) + c.eps);
      break;
    }
    case KERNO_OPT_ADAMAX: {
      *s0 = *s0 + (g - *s0) * c.one_minus_b1;
      float bu = c.beta_2 * *s1, ag = fabsf(g);
      *s1 = bu < ag ? ag : bu;
      *w = *w - (c.lr * *s0) / (c.d_b1 * (*s1 + c.eps));
      break;
    }
  }
}

// Each element is loaded into registers, updated and stored once; slot pointers of unused
// slots are NULL and never offset.
__global__ void optimizer_kernel(float* param, const float* __restrict__ grad, float* s0, float* s1, float* s2,
                                 int64_t N, Coeffs c) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float w = param[i], a = s0 ? s0[i] : 0.f, b = s1 ? s1[i] : 0.f, h = s2 ? s2[i] : 0.f;
    update_one(c, &w, grad[i], &a, &b, &h);
    param[i] = w;
    if (s0) s0[i] = a;
    if (s1) s1[i] = b;
    if (s2) s2[i] = h;
  }
}

}  // namespace

kerno_status optimizer_update(float* param, const float* grad, float* slot0, float* slot1, float* slot2, int64_t N,
                              const kerno_optimizer_params* p) {
  if (!p || N < 0 || !params_valid(*p)) return KERNO_ERR_INVALID_ARGUMENT;
  if (N == 0) return KERNO_OK;
  if (!param || !grad) return KERNO_ERR_INVALID_ARGUMENT;
  bool need[3];
  needed_slots(*p, need);
  if ((need[0] && !slot0) || (need[1] && !slot1) || (need[2] && !slot2)) return KERNO_ERR_INVALID_ARGUMENT;
  const Coeffs c = make_coeffs(*p);
  optimizer_kernel<<<grid_for(N), 256, 0, stream()>>>(param, grad, need[0] ? slot0 : nullptr,
                                                     need[1] ? slot1 : nullptr, need[2] ? slot2 : nullptr, N, c);
  return launch_status();
}

}  // namespace kerno::cuda
