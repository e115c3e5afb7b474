// Per-call optimizer scalars and argument checks, shared by every backend (native/cpu/optimizer.cc,
// native/cuda/optimizer.cu) so that they derive the same float32 coefficients from the same
// kerno_optimizer_params: the CUDA update matches the CPU's bit for bit only if its bias
// corrections, Keras's `1 − β` rounding and Nadam's schedule are these very numbers.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kerno/kernels.h"

// update_one runs on the host (the CPU reference) and inside the CUDA kernel.
#if defined(__CUDACC__)
#define KERNO_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define KERNO_HOST_DEVICE inline
#endif

namespace kerno::opt {

// Keras computes `1 - beta` in Python double from the user's decimal (1 - 0.9 =
// 0.09999999999999998) and casts it to float32 (0.1f). Subtracting in float from 0.9f gives
// 0.10000002f instead, two ulps away. The float has lost the decimal, so recover it as the
// shortest decimal that rounds back to beta (what JS and Python print) and subtract in double.
inline float keras_one_minus_uncached(float beta) {
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(beta));
    if (std::strtof(buf, nullptr) == beta) return static_cast<float>(1.0 - std::strtod(buf, nullptr));
  }
  return static_cast<float>(1.0 - static_cast<double>(beta));
}

// The formatting above costs about 1 us, paid twice per Adam step: a quarter of a batch-1
// step's fixed cost. A step asks for the same one or two betas every time, so remember the last
// few (per thread: kernels may be called from several JS worker threads).
inline float keras_one_minus(float beta) {
  struct Entry {
    uint32_t bits;
    float value;
    bool used;
  };
  thread_local Entry cache[4] = {};
  thread_local int next = 0;
  uint32_t bits;
  std::memcpy(&bits, &beta, sizeof bits);
  for (const Entry& e : cache)
    if (e.used && e.bits == bits) return e.value;
  float value = keras_one_minus_uncached(beta);
  cache[next] = {bits, value, true};
  next = (next + 1) % 4;
  return value;
}

// Per-call scalars, derived once so the element loops only read them.
struct Coeffs {
  int32_t kind;
  float lr, wd;
  float momentum;                 // SGD, RMSprop
  bool nesterov;                  // SGD
  float rho, one_minus_rho;       // RMSprop
  bool centered;                  // RMSprop
  float one_minus_b1, one_minus_b2, alpha;  // Adam; Adamax uses one_minus_b1
  bool amsgrad;                   // Adam
  float eps;
  // Nadam: m̂ = (u_next·m)/d_next + (c_g·g)/d_now; v̂ = v/d_v.
  float u_next, d_next, c_g, d_now, d_v;
  float beta_2;                   // Adamax: u = max(β2·u, |g|)
  float d_b1;                     // Adamax: 1 − β1^t
};

inline Coeffs make_coeffs(const kerno_optimizer_params& p) {
  Coeffs c{};
  c.kind = p.kind;
  c.lr = p.learning_rate;
  c.wd = p.weight_decay;
  c.momentum = p.momentum;
  c.nesterov = p.nesterov != 0;
  c.rho = p.rho;
  c.centered = p.centered != 0;
  c.amsgrad = p.amsgrad != 0;
  c.eps = p.epsilon;
  if (p.kind == KERNO_OPT_RMSPROP) c.one_minus_rho = keras_one_minus(p.rho);
  if (p.kind == KERNO_OPT_ADAM) {
    c.one_minus_b1 = keras_one_minus(p.beta_1);
    c.one_minus_b2 = keras_one_minus(p.beta_2);
    // Keras: local_step and the beta powers are float32 tensors (ops.power in float32).
    float t = static_cast<float>(p.step);
    float b1p = std::pow(p.beta_1, t), b2p = std::pow(p.beta_2, t);
    c.alpha = p.learning_rate * std::sqrt(1.0f - b2p) / (1.0f - b1p);
  }
  if (p.kind == KERNO_OPT_NADAM) {
    // Keras casts β1, β2 to float32 tensors first, so here `1 − β` is a float32 subtraction
    // (unlike Adam's Python-double one), and every scalar below is a float32 tensor op.
    float t = static_cast<float>(p.step), b1 = p.beta_1;
    c.one_minus_b1 = 1.0f - b1;
    c.one_minus_b2 = 1.0f - p.beta_2;
    float u_now = b1 * (1.0f - 0.5f * std::pow(0.96f, t));
    c.u_next = b1 * (1.0f - 0.5f * std::pow(0.96f, t + 1.0f));
    c.d_next = 1.0f - p.u_product * c.u_next;
    c.c_g = 1.0f - u_now;
    c.d_now = 1.0f - p.u_product;
    c.d_v = 1.0f - std::pow(p.beta_2, t);
  }
  if (p.kind == KERNO_OPT_ADAMAX) {
    c.one_minus_b1 = keras_one_minus(p.beta_1);  // Python `1 - self.beta_1`, as Adam
    c.beta_2 = p.beta_2;
    c.d_b1 = 1.0f - std::pow(p.beta_1, static_cast<float>(p.step));
  }
  return c;
}

inline bool finite(float x) { return std::isfinite(x); }

// Which slots the configuration reads; a needed slot that is NULL is an invalid argument.
inline void needed_slots(const kerno_optimizer_params& p, bool need[3]) {
  need[0] = need[1] = need[2] = false;
  switch (p.kind) {
    case KERNO_OPT_SGD: need[0] = p.momentum != 0.f; break;
    case KERNO_OPT_ADAGRAD: need[0] = true; break;
    case KERNO_OPT_RMSPROP:
      need[0] = true;
      need[1] = p.momentum > 0.f;
      need[2] = p.centered != 0;
      break;
    case KERNO_OPT_ADAM:
      need[0] = need[1] = true;
      need[2] = p.amsgrad != 0;
      break;
    case KERNO_OPT_NADAM:
    case KERNO_OPT_ADAMAX: need[0] = need[1] = true; break;
  }
}

inline bool params_valid(const kerno_optimizer_params& p) {
  if (!finite(p.learning_rate) || !finite(p.weight_decay)) return false;
  switch (p.kind) {
    case KERNO_OPT_SGD:  // Keras raises unless 0 <= momentum <= 1
      return p.momentum >= 0.f && p.momentum <= 1.f;
    case KERNO_OPT_ADAGRAD: return finite(p.epsilon);
    case KERNO_OPT_RMSPROP: return finite(p.epsilon) && finite(p.rho) && finite(p.momentum);
    case KERNO_OPT_ADAM:
    case KERNO_OPT_ADAMAX:
      return finite(p.epsilon) && finite(p.beta_1) && finite(p.beta_2) && p.step >= 1;
    case KERNO_OPT_NADAM:
      return finite(p.epsilon) && finite(p.beta_1) && finite(p.beta_2) && p.step >= 1 &&
             p.u_product >= 0.f && p.u_product <= 1.f;
    default: return false;
  }
}

// Whether p's outer-product weights are sorted, disjoint and inside [0, N), with their vectors.
inline bool outer_valid(const kerno_optimizer_params& p, int64_t N) {
  if (p.n_outer == 0) return true;
  if (p.n_outer < 0 || p.n_outer > KERNO_MAX_OUTER_GRADS || !p.outer) return false;
  int64_t end = 0;
  for (int32_t i = 0; i < p.n_outer; ++i) {
    const kerno_outer_grad& o = p.outer[i];
    if (o.offset < end || o.offset > N || o.rows < 0 || o.cols < 0) return false;
    if (o.rows > 0 && o.cols > (N - o.offset) / o.rows) return false;  // rows·cols > N − offset
    if (o.rows > 0 && o.cols > 0 && !o.v) return false;
    end = o.offset + o.rows * o.cols;
  }
  return true;
}

KERNO_HOST_DEVICE int64_t outer_end(const kerno_outer_grad& o) { return o.offset + o.rows * o.cols; }

// The arguments every backend's optimizer_update accepts (same statuses everywhere).
inline kerno_status update_check(const float* param, const float* grad, const float* s0, const float* s1,
                                 const float* s2, int64_t N, const kerno_optimizer_params* p) {
  if (!p || N < 0 || !params_valid(*p) || !outer_valid(*p, N)) return KERNO_ERR_INVALID_ARGUMENT;
  if (N == 0) return KERNO_OK;
  if (!param || !grad) return KERNO_ERR_INVALID_ARGUMENT;
  bool need[3];
  needed_slots(*p, need);
  if ((need[0] && !s0) || (need[1] && !s1) || (need[2] && !s2)) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// Element k (row-major) of an outer-product gradient: u[r]·v[c] + 0, the sum a backward pass
// accumulating into zeros writes (the + 0 turns a −0 product into +0, as that sum does).
KERNO_HOST_DEVICE float outer_at(const kerno_outer_grad& o, int64_t k) {
  int64_t r = k / o.cols, c = k - r * o.cols;
  return (o.u ? o.u[r] : 1.f) * o.v[c] + 0.f;
}

// One element's update, Keras's formulas in Keras's float32 operation order (slots the kind does
// not use are never touched: their pointers may be NULL). The CPU reference and the CUDA kernel
// both run this very code; with contraction off (the CPU baseline ISA has no FMA, the CUDA file
// is built with --fmad=false) and IEEE sqrtf and division, they agree bit for bit.
KERNO_HOST_DEVICE void update_one(const Coeffs& c, float* w, float g, float* s0, float* s1, float* s2) {
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
      *s1 = bu < ag ? ag : bu;  // ops.maximum
      *w = *w - (c.lr * *s0) / (c.d_b1 * (*s1 + c.eps));
      break;
    }
  }
}

}  // namespace kerno::opt
