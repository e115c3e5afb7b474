// Shared by test_conv2d.cc and test_depthwise_conv2d.cc: Keras-style geometry (TensorFlow's
// 'same'/'valid' padding turned into kerno_conv2d_params), a deterministic sample of odd shapes,
// and the float32-versus-float64 error bound.
// B = batch, H, W = input spatial, C = channels, K = filters (depthwise: multiplier M),
// KH, KW = kernel spatial, sh/sw = strides, dh/dw = dilations.
#ifndef KERNO_TESTS_CONV_CASES_H
#define KERNO_TESTS_CONV_CASES_H

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "kerno/kernels.h"

namespace kt_conv {

struct Case {
  int64_t B, H, W, C, K, KH, KW, sh, sw, dh, dw;
  bool same;
};

// One axis as TensorFlow computes it: 'valid' out = floor((in − extent)/s) + 1; 'same'
// out = ceil(in/s) with total pad max((out−1)·s + extent − in, 0), the odd pixel at the end.
// Returns false when 'valid' leaves no output.
inline bool axis(int64_t in, int64_t k, int64_t s, int64_t d, bool same, int64_t* out, int64_t* pad) {
  int64_t extent = d * (k - 1) + 1;
  if (same) {
    *out = (in + s - 1) / s;
    int64_t total = (*out - 1) * s + extent - in;
    *pad = total > 0 ? total / 2 : 0;
    return true;
  }
  if (in < extent) return false;
  *out = (in - extent) / s + 1;
  *pad = 0;
  return true;
}

inline bool make_params(const Case& c, kerno_conv2d_params* p) {
  *p = kerno_conv2d_params{};
  p->B = c.B, p->H = c.H, p->W = c.W, p->C = c.C, p->K = c.K, p->KH = c.KH, p->KW = c.KW;
  p->stride_h = c.sh, p->stride_w = c.sw, p->dilation_h = c.dh, p->dilation_w = c.dw;
  return axis(c.H, c.KH, c.sh, c.dh, c.same, &p->OH, &p->pad_top) &&
         axis(c.W, c.KW, c.sw, c.dw, c.same, &p->OW, &p->pad_left);
}

inline std::string describe(const char* backend, const Case& c) {
  char buf[200];
  std::snprintf(buf, sizeof(buf), "%s B=%lld H=%lld W=%lld C=%lld K=%lld k=%lldx%lld s=%lld,%lld d=%lld,%lld %s",
                backend, (long long)c.B, (long long)c.H, (long long)c.W, (long long)c.C, (long long)c.K,
                (long long)c.KH, (long long)c.KW, (long long)c.sh, (long long)c.sw, (long long)c.dh,
                (long long)c.dw, c.same ? "same" : "valid");
  return buf;
}

// n valid cases drawn (deterministically from seed) from H, W ∈ {1,5,28,31}, C ∈ {1,3,17},
// K ∈ ks, kernels 1×1, 3×3, 5×2, strides 1–3, dilations 1–2, same/valid: a sample, because
// the full cross product would take minutes on the scalar reference.
inline std::vector<Case> sampled(uint32_t seed, int n, const std::vector<int64_t>& ks) {
  static const int64_t sizes[] = {1, 5, 28, 31}, chans[] = {1, 3, 17};
  static const int64_t kernels[][2] = {{1, 1}, {3, 3}, {5, 2}};
  std::mt19937 gen(seed);
  auto pick = [&gen](int64_t m) { return std::uniform_int_distribution<int64_t>(0, m - 1)(gen); };
  std::vector<Case> out;
  while (static_cast<int>(out.size()) < n) {
    Case c{};
    c.H = sizes[pick(4)], c.W = sizes[pick(4)], c.C = chans[pick(3)], c.K = ks[static_cast<size_t>(pick(static_cast<int64_t>(ks.size())))];
    int kk = static_cast<int>(pick(3));
    c.KH = kernels[kk][0], c.KW = kernels[kk][1];
    c.sh = 1 + pick(3), c.sw = 1 + pick(3), c.dh = 1 + pick(2), c.dw = 1 + pick(2);
    c.same = pick(2) == 1;
    c.B = c.H * c.W * c.C > 2000 ? 1 : 2;
    kerno_conv2d_params p;
    if (make_params(c, &p)) out.push_back(c);
  }
  return out;
}

// Any summation order of an n-term float32 dot product is within (n + 4)·u·Σ|terms| of the exact
// value (u = 2⁻²⁴; Higham §3.1; +4 for the bias and accumulation into an existing value), so
// atol = (n + 4)·u·max over elements of Σ|terms|: a proven bound, not a guess.
inline double bound(int64_t n, double max_mag) {
  return (static_cast<double>(n) + 4) * std::ldexp(1.0, -24) * max_mag + 1e-30;
}

inline std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// ---- the fused activation of the forward kernels (kerno_conv2d_params.act)

struct Act {
  int32_t kind;
  float alpha;
  const char* name;
};
// Every kind, with Keras's parameters where it has one (and a second ELU alpha).
inline const std::vector<Act>& activations() {
  static const std::vector<Act> all = {
      {KERNO_ACT_LINEAR, 0.f, "linear"},          {KERNO_ACT_RELU, 0.f, "relu"},
      {KERNO_ACT_SIGMOID, 0.f, "sigmoid"},        {KERNO_ACT_TANH, 0.f, "tanh"},
      {KERNO_ACT_LEAKY_RELU, 0.2f, "leaky_relu"}, {KERNO_ACT_ELU, 1.f, "elu"},
      {KERNO_ACT_ELU, 0.5f, "elu(0.5)"},          {KERNO_ACT_GELU_ERF, 0.f, "gelu_erf"},
      {KERNO_ACT_GELU_TANH, 0.f, "gelu_tanh"},    {KERNO_ACT_SOFTPLUS, 0.f, "softplus"},
      {KERNO_ACT_SILU, 0.f, "silu"},
  };
  return all;
}

// The activation in float64 (an oracle independent of activation.cc's float code).
inline double act64(const Act& a, double x) {
  auto sigmoid = [](double v) { return v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v)); };
  switch (a.kind) {
    case KERNO_ACT_RELU: return x > 0 ? x : 0;
    case KERNO_ACT_SIGMOID: return sigmoid(x);
    case KERNO_ACT_TANH: return std::tanh(x);
    case KERNO_ACT_LEAKY_RELU: return x > 0 ? x : a.alpha * x;
    case KERNO_ACT_ELU: return x > 0 ? x : a.alpha * std::expm1(x);
    case KERNO_ACT_GELU_ERF: return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    case KERNO_ACT_GELU_TANH: return 0.5 * x * (1 + std::tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
    case KERNO_ACT_SOFTPLUS: return std::fmax(x, 0) + std::log1p(std::exp(-std::fabs(x)));
    case KERNO_ACT_SILU: return x * sigmoid(x);
    default: return x;
  }
}

// Tolerance of act(conv) against act64(conv64): the conv's error bound `conv_atol` times the
// activations' largest slope (≤ 1.13 for GELU, ≤ alpha ≤ 1 elsewhere), plus the float
// activation's own few ulps (activation.cc: 2e-6 relative, 1e-6 absolute near zero).
constexpr double kActSlope = 1.2, kActAtol = 1e-6, kActRtol = 2e-6;

// Up to `count` distinct indices spread over [0, n) (all of them when n ≤ count).
inline std::vector<size_t> spread(size_t n, size_t count) {
  std::vector<size_t> idx;
  if (n <= count) {
    for (size_t i = 0; i < n; ++i) idx.push_back(i);
    return idx;
  }
  for (size_t i = 0; i < count; ++i) idx.push_back((i * n) / count + (i * 7) % (n / count));
  return idx;
}

}  // namespace kt_conv

#endif
