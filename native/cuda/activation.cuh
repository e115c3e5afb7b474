// Elementwise activations for device code: act_apply (forward) and act_grad (derivative), shared
// by activation.cu and by the fused epilogues of the conv kernels.
//
// Semantics are those of native/cpu/activation.cc (Keras 3 on TensorFlow and TF's gradient ops):
//  - relu(x) = x < 0 ? 0 : x (NaN passes), relu'(x) = x > 0 ? 1 : 0, so relu'(0) = 0;
//  - leaky_relu'(x <= 0) = alpha; elu(x <= 0) = alpha·expm1(x), elu'(x <= 0) = alpha·exp(x);
//  - sigmoid' = y(1 − y) and tanh' = 1 − y² from the forward output y, as SigmoidGrad/TanhGrad;
//  - gelu erf form x·Φ(x) with Φ through erfc (accurate in the left tail); gelu tanh form as
//    x·sigmoid(2u), u = √(2/π)(x + 0.044715x³), which equals 0.5x(1 + tanh u) without its
//    cancellation for negative x; |x| is clamped to 20 inside u so x³ stays finite;
//  - softplus = max(x, 0) + log1p(exp(−|x|)), softplus' = sigmoid(x);
//  - silu = x·sigmoid(x), silu' = s(1 + x(1 − s)).
// The CPU's fast path uses polynomial approximations; here CUDA's own expf/erfcf/tanhf/log1pf
// (a few ulp, no --use_fast_math) give the same values to within the tests' 2e-6 relative.
// ±300 and ±1e30 saturate to finite values everywhere, as on the CPU.
#pragma once

#include <cuda_runtime.h>

#include "cpu/arg_checks.h"
#include "kerno/kernels.h"

namespace kerno::cuda {

// Overflow-free logistic function: exp of a non-positive argument only.
__device__ __forceinline__ float act_sigmoid(float x) {
  float e = expf(-fabsf(x));
  return x >= 0.f ? 1.f / (1.f + e) : e / (1.f + e);
}

__device__ __forceinline__ float act_clamp20(float x) { return fminf(fmaxf(x, -20.f), 20.f); }

// sigmoid(2u) for the tanh-form GELU: 0.5(1 + tanh u) = sigmoid(2u).
__device__ __forceinline__ float act_gelu_tanh_gate(float x) {
  const float kSqrt2OverPi = 0.79788456080286536f, kCubic = 0.044715f;
  float xc = act_clamp20(x);
  return act_sigmoid(2.f * kSqrt2OverPi * (xc + kCubic * xc * xc * xc));
}

// Φ(x), the standard normal CDF, as erfc(−x/√2)/2.
__device__ __forceinline__ float act_phi(float x) { return 0.5f * erfcf(x * -0.70710678118654752f); }

// act(x) for kind (kerno_activation_kind) with the kind's alpha. An unknown kind is the identity
// (callers validate kinds on the host before launching).
__device__ __forceinline__ float act_apply(float x, int kind, float alpha) {
  switch (kind) {
    case KERNO_ACT_RELU: return x < 0.f ? 0.f : x;
    case KERNO_ACT_SIGMOID: return act_sigmoid(x);
    case KERNO_ACT_TANH: return tanhf(x);
    case KERNO_ACT_LEAKY_RELU: return x > 0.f ? x : alpha * x;
    case KERNO_ACT_ELU: return x > 0.f ? x : alpha * expm1f(x);
    case KERNO_ACT_GELU_ERF: return x * act_phi(x);
    case KERNO_ACT_GELU_TANH: return x * act_gelu_tanh_gate(x);
    case KERNO_ACT_SOFTPLUS: return fmaxf(x, 0.f) + log1pf(expf(-fabsf(x)));
    case KERNO_ACT_SILU: return x * act_sigmoid(x);
    default: return x;  // KERNO_ACT_LINEAR
  }
}

// act'(x) given y = act(x) (sigmoid and tanh use y, the others x).
__device__ __forceinline__ float act_grad(float x, float y, int kind, float alpha) {
  const float kInvSqrt2Pi = 0.39894228040143268f, kSqrt2OverPi = 0.79788456080286536f, kCubic = 0.044715f;
  switch (kind) {
    case KERNO_ACT_RELU: return x > 0.f ? 1.f : 0.f;
    case KERNO_ACT_SIGMOID: return y * (1.f - y);
    case KERNO_ACT_TANH: return 1.f - y * y;
    case KERNO_ACT_LEAKY_RELU: return x > 0.f ? 1.f : alpha;
    case KERNO_ACT_ELU: return x > 0.f ? 1.f : alpha * expf(x);
    case KERNO_ACT_GELU_ERF: return act_phi(x) + x * kInvSqrt2Pi * expf(-0.5f * x * x);
    case KERNO_ACT_GELU_TANH: {
      float s = act_gelu_tanh_gate(x), xc = act_clamp20(x);
      float du = kSqrt2OverPi * (1.f + 3.f * kCubic * xc * xc);
      return s + 2.f * x * s * (1.f - s) * du;
    }
    case KERNO_ACT_SOFTPLUS: return act_sigmoid(x);
    case KERNO_ACT_SILU: {
      float s = act_sigmoid(x);
      return s * (1.f + x * (1.f - s));
    }
    default: return 1.f;  // KERNO_ACT_LINEAR
  }
}

// Host-side validation shared by every kernel taking a kerno_activation_params (arg_checks.h,
// shared with the CPU).
using checks::act_kind_valid;

}  // namespace kerno::cuda
