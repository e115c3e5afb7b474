// Activation kernels on every backend: against a float64 reference written here, central finite
// differences of Σ act(x)·r, Keras golden values, extremes, accumulation and bad arguments.
// N = element count.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "harness.h"
#include "kerno/kernels.h"
#include "fixtures/keras_golden_activation_loss.inc"

namespace {

struct Act {
  int32_t kind;
  float alpha;
  const char* name;
};
const Act kActs[] = {
    {KERNO_ACT_LINEAR, 0.f, "linear"},        {KERNO_ACT_RELU, 0.f, "relu"},
    {KERNO_ACT_SIGMOID, 0.f, "sigmoid"},      {KERNO_ACT_TANH, 0.f, "tanh"},
    {KERNO_ACT_LEAKY_RELU, 0.3f, "leaky_relu"}, {KERNO_ACT_ELU, 1.f, "elu"},
    {KERNO_ACT_ELU, 0.5f, "elu(0.5)"},        {KERNO_ACT_GELU_ERF, 0.f, "gelu_erf"},
    {KERNO_ACT_GELU_TANH, 0.f, "gelu_tanh"},  {KERNO_ACT_SOFTPLUS, 0.f, "softplus"},
    {KERNO_ACT_SILU, 0.f, "silu"},
};
const int64_t kSizes[] = {1, 7, 33, 255, 1000};

// Kernel tolerance against float64: the fast kernels use polynomial exp/tanh/erfc a few ulp
// from exact (erfc's is 1.2e-7 relative), so 2e-6 relative plus 1e-6 absolute near zero.
const double kAtol = 1e-6, kRtol = 2e-6;

// ---------------------------------------------------------------- float64 reference
double sigmoid64(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }
const double kSqrt2OverPi = 0.79788456080286535588, kInvSqrt2Pi = 0.39894228040143267794, kC = 0.044715;

double f64(int32_t kind, double x, double a) {
  switch (kind) {
    case KERNO_ACT_RELU: return x > 0 ? x : 0;
    case KERNO_ACT_SIGMOID: return sigmoid64(x);
    case KERNO_ACT_TANH: return std::tanh(x);
    case KERNO_ACT_LEAKY_RELU: return x > 0 ? x : a * x;
    case KERNO_ACT_ELU: return x > 0 ? x : a * std::expm1(x);
    case KERNO_ACT_GELU_ERF: return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    case KERNO_ACT_GELU_TANH: return 0.5 * x * (1 + std::tanh(kSqrt2OverPi * (x + kC * x * x * x)));
    case KERNO_ACT_SOFTPLUS: return std::fmax(x, 0) + std::log1p(std::exp(-std::fabs(x)));
    case KERNO_ACT_SILU: return x * sigmoid64(x);
    default: return x;
  }
}

// Analytic derivative; at kinks the TF convention (relu'(0) = 0, leaky'(0) = alpha, elu'(0) = alpha).
double df64(int32_t kind, double x, double a) {
  switch (kind) {
    case KERNO_ACT_RELU: return x > 0 ? 1 : 0;
    case KERNO_ACT_SIGMOID: return sigmoid64(x) * sigmoid64(-x);
    case KERNO_ACT_TANH: return 1 - std::tanh(x) * std::tanh(x);
    case KERNO_ACT_LEAKY_RELU: return x > 0 ? 1 : a;
    case KERNO_ACT_ELU: return x > 0 ? 1 : a * std::exp(x);
    case KERNO_ACT_GELU_ERF:
      return 0.5 * std::erfc(-x / std::sqrt(2.0)) + x * std::exp(-0.5 * x * x) * kInvSqrt2Pi;
    case KERNO_ACT_GELU_TANH: {
      if (std::fabs(x) > 1e20) return x > 0 ? 1 : 0;  // keeps x³ finite; the tanh has saturated
      double t = std::tanh(kSqrt2OverPi * (x + kC * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * kSqrt2OverPi * (1 + 3 * kC * x * x);
    }
    case KERNO_ACT_SOFTPLUS: return sigmoid64(x);
    case KERNO_ACT_SILU: return sigmoid64(x) * (1 + x * sigmoid64(-x));
    default: return 1;
  }
}

// ---------------------------------------------------------------- helpers
kerno_activation_params params(const Act& a) { return kerno_activation_params{a.kind, a.alpha}; }

std::string label(const kerno_backend* be, const Act& a, int64_t n, const char* what) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %s N=%lld %s", be->name, a.name, static_cast<long long>(n), what);
  return buf;
}

std::vector<float> forward(const kerno_backend* be, const Act& a, const std::vector<float>& x) {
  std::vector<float> y(x.size(), NAN);
  kerno_activation_params p = params(a);
  KT_CHECK_OK(be->activation_forward(y.data(), x.data(), static_cast<int64_t>(x.size()), &p));
  return y;
}

// dinp starts at `prefill` everywhere, so the result also checks that backward accumulates.
std::vector<float> backward(const kerno_backend* be, const Act& a, const std::vector<float>& x,
                            const std::vector<float>& dout, float prefill) {
  std::vector<float> y = forward(be, a, x), dinp(x.size(), prefill);
  kerno_activation_params p = params(a);
  KT_CHECK_OK(be->activation_backward(dinp.data(), dout.data(), x.data(), y.data(),
                                      static_cast<int64_t>(x.size()), &p));
  return dinp;
}

// Inputs in [-6, 6] kept 1e-3 away from 0, so finite differences never straddle a kink.
std::vector<float> inputs(int64_t n, uint32_t seed) {
  std::vector<float> x = kt::random_vector(static_cast<size_t>(n), seed, -6.f, 6.f);
  for (float& v : x)
    if (std::fabs(v) < 1e-3f) v = 0.5f;
  return x;
}

void check_against_f64(const kerno_backend* be, const Act& a, int64_t n, uint32_t seed) {
  std::vector<float> x = inputs(n, seed), dout = kt::random_vector(static_cast<size_t>(n), seed + 1);
  std::vector<double> want_y(x.size()), want_d(x.size());
  const float prefill = 0.25f;
  for (size_t i = 0; i < x.size(); ++i) {
    want_y[i] = f64(a.kind, x[i], a.alpha);
    want_d[i] = prefill + dout[i] * df64(a.kind, x[i], a.alpha);
  }
  std::vector<float> y = forward(be, a, x), d = backward(be, a, x, dout, prefill);
  KT_ALL_CLOSE(label(be, a, n, "forward").c_str(), y.data(), want_y.data(), y.size(), kAtol, kRtol);
  KT_ALL_CLOSE(label(be, a, n, "backward (+= 0.25)").c_str(), d.data(), want_d.data(), d.size(), kAtol, kRtol);
}

}  // namespace

KERNO_TEST(activation_forward_backward_match_float64) {
  for (const kerno_backend* be : kt::backends())
    for (const Act& a : kActs) {
      for (int64_t n : kSizes) check_against_f64(be, a, n, static_cast<uint32_t>(n * 31 + a.kind));
      check_against_f64(be, a, 100003, 99u);  // several thread chunks plus a ragged tail
    }
}

// The gradient of Σ act(x)·r by central differences on the float64 forward (h = 1e-5: truncation
// ~1e-10, rounding ~1e-11) checks both the float64 derivative (to 1e-7) and each backend's
// float32 backward with dout = r (to the kernel tolerance plus 1e-6).
KERNO_TEST(activation_backward_matches_finite_differences) {
  for (const Act& a : kActs)
    for (int64_t n : kSizes) {
      std::vector<float> xf = inputs(n, static_cast<uint32_t>(7 * n + a.kind));
      std::vector<float> r = kt::random_vector(static_cast<size_t>(n), static_cast<uint32_t>(n + 5));
      std::vector<double> x(xf.begin(), xf.end());
      std::vector<double> fd = kt::finite_diff(x, 1e-5, [&] {
        double s = 0;
        for (size_t i = 0; i < x.size(); ++i) s += f64(a.kind, x[i], a.alpha) * r[i];
        return s;
      });
      std::vector<float> analytic(x.size());
      for (size_t i = 0; i < x.size(); ++i) analytic[i] = static_cast<float>(r[i] * df64(a.kind, x[i], a.alpha));
      KT_ALL_CLOSE((std::string(a.name) + " float64 derivative vs finite differences").c_str(), analytic.data(),
                   fd.data(), fd.size(), 1e-7, 1e-6);
      for (const kerno_backend* be : kt::backends()) {
        std::vector<float> d = backward(be, a, xf, r, 0.f);
        KT_ALL_CLOSE(label(be, a, n, "backward vs finite differences").c_str(), d.data(), fd.data(), fd.size(),
                     2e-6, 1e-5);
      }
    }
}

// ±300 (and far beyond) saturate without NaN or Inf, forward and backward, and agree with float64.
KERNO_TEST(activation_extreme_inputs_stay_finite) {
  const std::vector<float> x = {-1e30f, -300.f, -100.f, -88.8f, -87.f, -20.f, -1e-30f, -0.f,
                                0.f,    1e-30f, 20.f,   87.f,   88.8f, 100.f, 300.f,   1e30f};
  std::vector<float> ones(x.size(), 1.f);
  for (const kerno_backend* be : kt::backends())
    for (const Act& a : kActs) {
      std::vector<float> y = forward(be, a, x), d = backward(be, a, x, ones, 0.f);
      std::vector<double> want_y(x.size()), want_d(x.size());
      for (size_t i = 0; i < x.size(); ++i) {
        KT_CHECK(std::isfinite(y[i]) && std::isfinite(d[i]), "%s %s at x=%g: y=%g dy=%g", be->name, a.name,
                 static_cast<double>(x[i]), static_cast<double>(y[i]), static_cast<double>(d[i]));
        want_y[i] = f64(a.kind, x[i], a.alpha);
        want_d[i] = df64(a.kind, x[i], a.alpha);
      }
      KT_ALL_CLOSE(label(be, a, 16, "extreme forward").c_str(), y.data(), want_y.data(), y.size(), kAtol, kRtol);
      KT_ALL_CLOSE(label(be, a, 16, "extreme backward").c_str(), d.data(), want_d.data(), d.size(), kAtol, kRtol);
    }
}

// Exact values where Keras/TF fix a convention or saturation is exact in float32.
KERNO_TEST(activation_pinned_values) {
  struct Pin {
    int32_t kind;
    float alpha, x, y, dy;
  };
  const Pin pins[] = {
      {KERNO_ACT_RELU, 0.f, 0.f, 0.f, 0.f},           // relu'(0) = 0 (TF ReluGrad: x > 0)
      {KERNO_ACT_LEAKY_RELU, 0.3f, 0.f, 0.f, 0.3f},   // LeakyReluGrad: x > 0 ? 1 : alpha
      {KERNO_ACT_ELU, 1.f, 0.f, 0.f, 1.f},            // EluGrad at 0: y + 1 = 1
      {KERNO_ACT_ELU, 0.5f, 0.f, 0.f, 0.5f},          // Keras where(x > 0, ·, alpha·elu) at 0
      {KERNO_ACT_ELU, 0.5f, -300.f, -0.5f, 0.f},
      {KERNO_ACT_SIGMOID, 0.f, 300.f, 1.f, 0.f},
      {KERNO_ACT_SIGMOID, 0.f, -300.f, 0.f, 0.f},
      {KERNO_ACT_SIGMOID, 0.f, 0.f, 0.5f, 0.25f},
      {KERNO_ACT_SOFTPLUS, 0.f, 300.f, 300.f, 1.f},
      {KERNO_ACT_SOFTPLUS, 0.f, -300.f, 0.f, 0.f},
      {KERNO_ACT_SILU, 0.f, -300.f, 0.f, 0.f},
      {KERNO_ACT_TANH, 0.f, 300.f, 1.f, 0.f},
      {KERNO_ACT_GELU_ERF, 0.f, 0.f, 0.f, 0.5f},
      {KERNO_ACT_GELU_TANH, 0.f, 0.f, 0.f, 0.5f},
  };
  for (const kerno_backend* be : kt::backends())
    for (const Pin& p : pins) {
      Act a{p.kind, p.alpha, "pin"};
      float y = forward(be, a, {p.x})[0], dy = backward(be, a, {p.x}, {1.f}, 0.f)[0];
      KT_CHECK(y == p.y && dy == p.dy, "%s kind %d alpha %g at x=%g: got y=%.9g dy=%.9g, want %g %g", be->name,
               p.kind, static_cast<double>(p.alpha), static_cast<double>(p.x), static_cast<double>(y),
               static_cast<double>(dy), static_cast<double>(p.y), static_cast<double>(p.dy));
    }
}

KERNO_TEST(activation_forward_in_place) {
  for (const kerno_backend* be : kt::backends())
    for (const Act& a : kActs) {
      std::vector<float> x = inputs(1000, 3u), want = forward(be, a, x), inout = x;
      kerno_activation_params p = params(a);
      KT_CHECK_OK(be->activation_forward(inout.data(), inout.data(), 1000, &p));
      KT_CHECK(inout == want, "%s %s: in-place forward differs from out-of-place", be->name, a.name);
    }
}

// Matches keras.activations.* (TF backend, float32) on the fixture inputs, forward and the
// gradient of Σ y·r. 1e-5 relative / 2e-6 absolute covers TF's own float32 rounding (e.g. its
// gelu computes 0.5x(1+tanh(u)), which cancels for negative x).
KERNO_TEST(activation_matches_keras_golden) {
  using namespace kerno_golden;
  std::vector<float> x(kActX, kActX + kActN), r(kActR, kActR + kActN);
  for (const kerno_backend* be : kt::backends())
    for (const ActivationGolden& g : kActivations) {
      Act a{g.kind, g.alpha, g.name};
      std::vector<float> y = forward(be, a, x), d = backward(be, a, x, r, 0.f);
      std::vector<double> want_y(g.y, g.y + kActN), want_d(g.grad, g.grad + kActN);
      KT_ALL_CLOSE(label(be, a, kActN, "vs keras forward").c_str(), y.data(), want_y.data(), y.size(), 2e-6, 1e-5);
      KT_ALL_CLOSE(label(be, a, kActN, "vs keras gradient").c_str(), d.data(), want_d.data(), d.size(), 2e-6, 1e-5);
    }
}

KERNO_TEST(activation_rejects_bad_arguments) {
  float buf[4] = {0.f, 1.f, 2.f, 3.f}, g[4] = {};
  kerno_activation_params ok{KERNO_ACT_RELU, 0.f}, unknown{99, 0.f}, negative{-1, 0.f};
  const kerno_status bad = KERNO_ERR_INVALID_ARGUMENT;
  for (const kerno_backend* be : kt::backends()) {
    KT_CHECK(be->activation_forward(buf, buf, -1, &ok) == bad, "%s: N < 0", be->name);
    KT_CHECK(be->activation_forward(buf, buf, 4, nullptr) == bad, "%s: NULL params", be->name);
    KT_CHECK(be->activation_forward(buf, buf, 4, &unknown) == bad, "%s: kind 99", be->name);
    KT_CHECK(be->activation_forward(buf, buf, 4, &negative) == bad, "%s: kind -1", be->name);
    KT_CHECK(be->activation_forward(nullptr, buf, 4, &ok) == bad, "%s: NULL out", be->name);
    KT_CHECK(be->activation_forward(buf, nullptr, 4, &ok) == bad, "%s: NULL inp", be->name);
    KT_CHECK(be->activation_forward(nullptr, nullptr, 0, &ok) == KERNO_OK, "%s: N = 0 needs no buffers", be->name);
    KT_CHECK(be->activation_backward(g, buf, buf, buf, -3, &ok) == bad, "%s: backward N < 0", be->name);
    KT_CHECK(be->activation_backward(g, buf, buf, buf, 4, &unknown) == bad, "%s: backward kind 99", be->name);
    KT_CHECK(be->activation_backward(g, buf, buf, buf, 4, nullptr) == bad, "%s: backward NULL params", be->name);
    KT_CHECK(be->activation_backward(nullptr, buf, buf, buf, 4, &ok) == bad, "%s: NULL dinp", be->name);
    KT_CHECK(be->activation_backward(g, nullptr, buf, buf, 4, &ok) == bad, "%s: NULL dout", be->name);
    KT_CHECK(be->activation_backward(g, buf, nullptr, buf, 4, &ok) == bad, "%s: NULL inp", be->name);
    KT_CHECK(be->activation_backward(g, buf, buf, nullptr, 4, &ok) == bad, "%s: NULL out", be->name);
    KT_CHECK(be->activation_backward(nullptr, nullptr, nullptr, nullptr, 0, &ok) == KERNO_OK,
             "%s: backward N = 0 needs no buffers", be->name);
    KT_CHECK(g[0] == 0.f && g[3] == 0.f, "%s: a rejected call wrote dinp", be->name);
  }
}

// Elementwise work split over any number of threads gives the same bits.
KERNO_TEST(activation_same_result_for_any_thread_count) {
  const int saved = kerno_get_num_threads();
  std::vector<float> x = inputs(300007, 21u), g = kt::random_vector(300007, 22u);
  for (const kerno_backend* be : kt::backends())
    for (const Act& a : kActs) {
      KT_CHECK_OK(kerno_set_num_threads(1));
      std::vector<float> y1 = forward(be, a, x), d1 = backward(be, a, x, g, 0.5f);
      for (int nt : {3, 7}) {
        KT_CHECK_OK(kerno_set_num_threads(nt));
        KT_CHECK(forward(be, a, x) == y1 && backward(be, a, x, g, 0.5f) == d1, "%s %s: %d threads differ from 1",
                 be->name, a.name, nt);
      }
    }
  KT_CHECK_OK(kerno_set_num_threads(saved));
}
