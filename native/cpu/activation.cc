// Elementwise activations, forward and backward. N = element count.
//
// Semantics follow Keras 3 on its TensorFlow backend (keras/src/activations/activations.py,
// keras/src/backend/tensorflow/nn.py) and TF's gradient kernels:
//  - relu'(0) = 0 (ReluGrad masks with x > 0); leaky_relu'(x <= 0) = alpha (LeakyReluGrad);
//  - elu(x <= 0) = alpha·expm1(x) and elu'(x <= 0) = alpha·exp(x), so elu'(0) = alpha, as
//    Keras's `where(x > 0, elu(x), alpha·elu(x))` differentiates;
//  - sigmoid' and tanh' are computed from the forward output, as SigmoidGrad/TanhGrad do;
//  - gelu: erf form 0.5x(1+erf(x/√2)) and tanh form 0.5x(1+tanh(√(2/π)(x+0.044715x³)));
//  - softplus' = sigmoid(x); silu' = s(1 + x(1−s)) with s = sigmoid(x).
//
// The reference (`ref_*`) evaluates these with <cmath>. The fast version (`cpu_*`) uses
// branch-free float approximations (below and in vmath.h) so GCC vectorises the loops, and splits
// large arrays over the thread pool. Both saturate cleanly: ±300 gives no NaN or Inf anywhere.
#include <cmath>
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cpu/ops.h"
#include "cpu/vmath.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::activation_check_backward;
using checks::activation_check_forward;

namespace {

// ---------------------------------------------------------------- vectorisable float maths
// Each is accurate to a few ulp and written without branches or libm calls, because one libm
// call in a loop stops GCC from vectorising it. They build on vmath.h (fast_exp, pick), which
// softmax.cc shares.

inline float fast_sigmoid(float x) { return 1.f / (1.f + fast_exp(-x)); }

// log1p(e) for e in [0, 1] with full relative precision: log(1+e) = 2·atanh(s), s = e/(2+e),
// so 1+e is never rounded. s ≤ 1/3 makes the series converge fast (8 terms → < 2e-8).
inline float log1p_unit(float e) {
  float s = e / (2.f + e), s2 = s * s;
  float p = 1.f / 15.f;
  p = p * s2 + 1.f / 13.f;
  p = p * s2 + 1.f / 11.f;
  p = p * s2 + 1.f / 9.f;
  p = p * s2 + 1.f / 7.f;
  p = p * s2 + 1.f / 5.f;
  p = p * s2 + 1.f / 3.f;
  p = p * s2 + 1.f;
  return 2.f * s * p;
}

// tanh: Cephes' odd polynomial near 0 (where 1 − 2/(e^2x + 1) would cancel), else via exp.
inline float fast_tanh(float x) {
  float ax = std::fabs(x);
  float s = x * x;
  float small = ((((-5.70498872745e-3f * s + 2.06390887954e-2f) * s - 5.37397155531e-2f) * s +
                  1.33314422036e-1f) * s - 3.33332819422e-1f) * s * x + x;
  float big = 1.f - 2.f / (fast_exp(2.f * ax) + 1.f);
  big = std::copysign(big, x);
  return pick(ax < 0.625f, small, big);
}

// expm1: Taylor series where exp(x) − 1 would cancel, else exp(x) − 1.
inline float fast_expm1(float x) {
  float p = 1.f / 40320.f;
  p = p * x + 1.f / 5040.f;
  p = p * x + 1.f / 720.f;
  p = p * x + 1.f / 120.f;
  p = p * x + 1.f / 24.f;
  p = p * x + 1.f / 6.f;
  p = p * x + 0.5f;
  p = p * x * x + x;
  return pick(std::fabs(x) < 0.5f, p, fast_exp(x) - 1.f);
}

// Φ(x), the standard normal CDF, through erfc: Numerical Recipes' erfcc (relative error
// < 1.2e-7) keeps Φ relatively accurate deep in the left tail, where gelu(x) = x·Φ(x) is tiny.
inline float fast_phi(float x) {
  float z = x * -0.70710678118654752f;  // Φ(x) = erfc(−x/√2)/2
  float az = std::fabs(z);
  float t = 1.f / (1.f + 0.5f * az);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  float erfc_az = t * fast_exp(p - az * az);
  float half = 0.5f * erfc_az;
  return pick(z >= 0.f, half, 1.f - half);
}

constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluCubic = 0.044715f;

inline float clamp20(float x) { return pick(x > 20.f, 20.f, pick(x < -20.f, -20.f, x)); }

// gelu tanh form as x·sigmoid(2u): 0.5(1 + tanh u) = sigmoid(2u) avoids tanh's cancellation
// for negative x. |x| is clamped inside u only: beyond 20 the sigmoid is exactly 0 or 1, and
// the clamp keeps x³ finite for huge inputs.
inline float gelu_tanh_gate(float x) {
  float xc = clamp20(x);
  return fast_sigmoid(2.f * kSqrt2OverPi * (xc + kGeluCubic * xc * xc * xc));
}

// ---------------------------------------------------------------- the activations
// Each has f(x) and df(x, y) = f'(x) given y = f(x); `a` is the kind's alpha.
struct Linear {
  static float f(float x, float) { return x; }
  static float df(float, float, float) { return 1.f; }
};
struct Relu {
  static float f(float x, float) { return pick(x < 0.f, 0.f, x); }  // NaN passes through
  static float df(float x, float, float) { return pick(x > 0.f, 1.f, 0.f); }
};
struct Sigmoid {
  static float f(float x, float) { return fast_sigmoid(x); }
  static float df(float, float y, float) { return y * (1.f - y); }
};
struct Tanh {
  static float f(float x, float) { return fast_tanh(x); }
  static float df(float, float y, float) { return 1.f - y * y; }
};
struct LeakyRelu {
  static float f(float x, float a) { return pick(x > 0.f, x, a * x); }
  static float df(float x, float, float a) { return pick(x > 0.f, 1.f, a); }
};
struct Elu {
  static float f(float x, float a) { return pick(x > 0.f, x, a * fast_expm1(x)); }
  static float df(float x, float, float a) { return pick(x > 0.f, 1.f, a * fast_exp(x)); }
};
struct GeluErf {
  static float f(float x, float) { return x * fast_phi(x); }
  static float df(float x, float, float) {
    return fast_phi(x) + x * kInvSqrt2Pi * fast_exp(-0.5f * x * x);
  }
};
struct GeluTanh {
  static float f(float x, float) { return x * gelu_tanh_gate(x); }
  static float df(float x, float, float) {
    float s = gelu_tanh_gate(x);
    float xc = clamp20(x);
    float du = kSqrt2OverPi * (1.f + 3.f * kGeluCubic * xc * xc);
    return s + 2.f * x * s * (1.f - s) * du;
  }
};
struct Softplus {
  // max(x, 0) + log1p(exp(−|x|)): exact for large |x| and never overflows.
  static float f(float x, float) {
    return pick(x > 0.f, x, 0.f) + log1p_unit(fast_exp(-std::fabs(x)));
  }
  static float df(float x, float, float) { return fast_sigmoid(x); }
};
struct Silu {
  static float f(float x, float) { return x * fast_sigmoid(x); }
  static float df(float x, float, float) {
    float s = fast_sigmoid(x);
    return s * (1.f + x * (1.f - s));
  }
};

// Elements per thread chunk: below this the pool's wake-up costs more than it saves.
constexpr int64_t kGrain = 1 << 15;

template <class Act>
void forward_all(float* out, const float* inp, int64_t N, float a) {
  parallel_for(N, kGrain, [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = Act::f(inp[i], a);
  });
}

template <class Act>
void backward_all(float* dinp, const float* dout, const float* inp, const float* out, int64_t N, float a) {
  parallel_for(N, kGrain, [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dinp[i] += dout[i] * Act::df(inp[i], out[i], a);
  });
}

// Calls fn(Act{}) with the kind's activation type; false for an unknown kind.
template <class Fn>
bool dispatch(int32_t kind, Fn&& fn) {
  switch (kind) {
    case KERNO_ACT_LINEAR: fn(Linear{}); return true;
    case KERNO_ACT_RELU: fn(Relu{}); return true;
    case KERNO_ACT_SIGMOID: fn(Sigmoid{}); return true;
    case KERNO_ACT_TANH: fn(Tanh{}); return true;
    case KERNO_ACT_LEAKY_RELU: fn(LeakyRelu{}); return true;
    case KERNO_ACT_ELU: fn(Elu{}); return true;
    case KERNO_ACT_GELU_ERF: fn(GeluErf{}); return true;
    case KERNO_ACT_GELU_TANH: fn(GeluTanh{}); return true;
    case KERNO_ACT_SOFTPLUS: fn(Softplus{}); return true;
    case KERNO_ACT_SILU: fn(Silu{}); return true;
  }
  return false;
}

// ---------------------------------------------------------------- scalar reference
double ref_sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

// The reference works in float like the kernels it checks, with <cmath> for the transcendentals.
float ref_f(int32_t kind, float x, float a) {
  switch (kind) {
    case KERNO_ACT_RELU: return x < 0.f ? 0.f : x;
    case KERNO_ACT_SIGMOID: return static_cast<float>(ref_sigmoid(x));
    case KERNO_ACT_TANH: return std::tanh(x);
    case KERNO_ACT_LEAKY_RELU: return x > 0.f ? x : a * x;
    case KERNO_ACT_ELU: return x > 0.f ? x : a * std::expm1(x);
    case KERNO_ACT_GELU_ERF: return 0.5f * x * std::erfc(-x * 0.70710678118654752f);
    case KERNO_ACT_GELU_TANH:
      return 0.5f * x * (1.f + std::tanh(kSqrt2OverPi * (x + kGeluCubic * x * x * x)));
    case KERNO_ACT_SOFTPLUS: return std::fmax(x, 0.f) + std::log1p(std::exp(-std::fabs(x)));
    case KERNO_ACT_SILU: return static_cast<float>(x * ref_sigmoid(x));
    default: return x;  // linear
  }
}

float ref_df(int32_t kind, float x, float y, float a) {
  switch (kind) {
    case KERNO_ACT_RELU: return x > 0.f ? 1.f : 0.f;
    case KERNO_ACT_SIGMOID: return y * (1.f - y);
    case KERNO_ACT_TANH: return 1.f - y * y;
    case KERNO_ACT_LEAKY_RELU: return x > 0.f ? 1.f : a;
    case KERNO_ACT_ELU: return x > 0.f ? 1.f : a * std::exp(x);
    case KERNO_ACT_GELU_ERF:
      return 0.5f * std::erfc(-x * 0.70710678118654752f) + x * kInvSqrt2Pi * std::exp(-0.5f * x * x);
    case KERNO_ACT_GELU_TANH: {
      if (std::fabs(x) > 20.f) return x > 0.f ? 1.f : 0.f;
      float t = std::tanh(kSqrt2OverPi * (x + kGeluCubic * x * x * x));
      return 0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * kSqrt2OverPi * (1.f + 3.f * kGeluCubic * x * x);
    }
    case KERNO_ACT_SOFTPLUS: return static_cast<float>(ref_sigmoid(x));
    case KERNO_ACT_SILU: {
      float s = static_cast<float>(ref_sigmoid(x));
      return s * (1.f + x * (1.f - s));
    }
    default: return 1.f;  // linear
  }
}

}  // namespace

// out (N) = act(inp (N)); out may alias inp.
kerno_status ref_activation_forward(float* out, const float* inp, int64_t N, const kerno_activation_params* p) {
  kerno_status s = activation_check_forward(out, inp, N, p);
  if (s != KERNO_OK) return s;
  for (int64_t i = 0; i < N; ++i) out[i] = ref_f(p->kind, inp[i], p->alpha);
  return KERNO_OK;
}

// dinp (N) += dout (N) · act'(inp (N)), with out (N) = act(inp).
kerno_status ref_activation_backward(float* dinp, const float* dout, const float* inp, const float* out,
                                     int64_t N, const kerno_activation_params* p) {
  kerno_status s = activation_check_backward(dinp, dout, inp, out, N, p);
  if (s != KERNO_OK) return s;
  for (int64_t i = 0; i < N; ++i) dinp[i] += dout[i] * ref_df(p->kind, inp[i], out[i], p->alpha);
  return KERNO_OK;
}

kerno_status cpu_activation_forward(float* out, const float* inp, int64_t N, const kerno_activation_params* p) {
  kerno_status s = activation_check_forward(out, inp, N, p);
  if (s != KERNO_OK) return s;
  float a = p->alpha;
  dispatch(p->kind, [&](auto act) { forward_all<decltype(act)>(out, inp, N, a); });
  return KERNO_OK;
}

kerno_status cpu_activation_backward(float* dinp, const float* dout, const float* inp, const float* out,
                                     int64_t N, const kerno_activation_params* p) {
  kerno_status s = activation_check_backward(dinp, dout, inp, out, N, p);
  if (s != KERNO_OK) return s;
  float a = p->alpha;
  dispatch(p->kind, [&](auto act) { backward_all<decltype(act)>(dinp, dout, inp, out, N, a); });
  return KERNO_OK;
}

}  // namespace kerno
