// Loss kernels on every backend: against a float64 reference written here, central finite
// differences of Σ_b w_b·loss_b / B, Keras golden values, weights, label smoothing, extremes and
// bad arguments. B = batch, C = classes (features for the binary and regression losses).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "harness.h"
#include "kerno/kernels.h"
#include "fixtures/keras_golden_activation_loss.inc"

namespace {

struct Loss {
  int32_t kind;
  float ls;
  const char* name;
  float delta = 1.f;  // Huber only
};
const Loss kKinds[] = {
    {KERNO_LOSS_CATEGORICAL_CROSSENTROPY, 0.f, "categorical"},
    {KERNO_LOSS_CATEGORICAL_CROSSENTROPY, 0.1f, "categorical ls=0.1"},
    {KERNO_LOSS_SOFTMAX_CROSSENTROPY, 0.f, "softmax"},
    {KERNO_LOSS_SOFTMAX_CROSSENTROPY, 0.1f, "softmax ls=0.1"},
    {KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 0.f, "sparse categorical"},
    {KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY, 0.f, "sparse softmax"},
    {KERNO_LOSS_BINARY_CROSSENTROPY, 0.f, "binary"},
    {KERNO_LOSS_BINARY_CROSSENTROPY, 0.1f, "binary ls=0.1"},
    {KERNO_LOSS_SIGMOID_CROSSENTROPY, 0.f, "sigmoid"},
    {KERNO_LOSS_SIGMOID_CROSSENTROPY, 0.1f, "sigmoid ls=0.1"},
    {KERNO_LOSS_MEAN_SQUARED_ERROR, 0.f, "mse"},
    {KERNO_LOSS_MEAN_ABSOLUTE_ERROR, 0.f, "mae"},
    {KERNO_LOSS_HUBER, 0.f, "huber"},
    {KERNO_LOSS_HUBER, 0.f, "huber delta=0.5", 0.5f},
    {KERNO_LOSS_HUBER, 0.f, "huber delta=3", 3.f},
};

// Float32 kernels against float64: sums over up to 1000 classes and float32 logs/exps.
const double kLossAtol = 1e-6, kLossRtol = 2e-5;
const double kGradAtol = 1e-6, kGradRtol = 2e-5;

bool sparse(int32_t k) {
  return k == KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY || k == KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY;
}
bool regression(int32_t k) {
  return k == KERNO_LOSS_MEAN_SQUARED_ERROR || k == KERNO_LOSS_MEAN_ABSOLUTE_ERROR || k == KERNO_LOSS_HUBER;
}
bool logits(int32_t k) {
  return k == KERNO_LOSS_SOFTMAX_CROSSENTROPY || k == KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY ||
         k == KERNO_LOSS_SIGMOID_CROSSENTROPY;
}

// ---------------------------------------------------------------- float64 reference
// Clip bounds are Keras's float32 ε and 1−ε, so double and float clip at the same points.
const double kLo = 1e-7f, kHi = 1.f - 1e-7f;
double clip64(double p) { return std::min(std::max(p, kLo), kHi); }
bool inside64(double p) { return p >= kLo && p <= kHi; }
double smooth64(const Loss& l, double t, int64_t C) {
  if (l.kind == KERNO_LOSS_CATEGORICAL_CROSSENTROPY || l.kind == KERNO_LOSS_SOFTMAX_CROSSENTROPY)
    return t * (1 - l.ls) + static_cast<double>(l.ls) / C;
  if (l.kind == KERNO_LOSS_BINARY_CROSSENTROPY || l.kind == KERNO_LOSS_SIGMOID_CROSSENTROPY)
    return t * (1 - l.ls) + 0.5 * l.ls;
  return t;
}
double lse64(const double* z, int64_t C) {
  double m = *std::max_element(z, z + C), s = 0;
  for (int64_t c = 0; c < C; ++c) s += std::exp(z[c] - m);
  return m + std::log(s);
}

// Unweighted loss of one row: z (C), t (C) or the class index t[0] for the sparse kinds.
double loss64(const Loss& l, const double* z, const double* t, int64_t C) {
  double acc = 0, S = 0;
  switch (l.kind) {
    case KERNO_LOSS_CATEGORICAL_CROSSENTROPY:
      for (int64_t c = 0; c < C; ++c) S += z[c];
      for (int64_t c = 0; c < C; ++c) acc -= smooth64(l, t[c], C) * std::log(clip64(z[c] / S));
      return acc;
    case KERNO_LOSS_SOFTMAX_CROSSENTROPY:
      S = lse64(z, C);
      for (int64_t c = 0; c < C; ++c) acc += smooth64(l, t[c], C) * (S - z[c]);
      return acc;
    case KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
      for (int64_t c = 0; c < C; ++c) S += clip64(z[c]);
      return std::log(S) - std::log(clip64(z[static_cast<int64_t>(t[0])]));
    case KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY: return lse64(z, C) - z[static_cast<int64_t>(t[0])];
    case KERNO_LOSS_BINARY_CROSSENTROPY:
      for (int64_t c = 0; c < C; ++c) {
        double q = clip64(z[c]), tc = smooth64(l, t[c], C);
        acc -= tc * std::log(q) + (1 - tc) * std::log(1 - q);
      }
      return acc / C;
    case KERNO_LOSS_SIGMOID_CROSSENTROPY:
      for (int64_t c = 0; c < C; ++c)
        acc += std::max(z[c], 0.0) - z[c] * smooth64(l, t[c], C) + std::log1p(std::exp(-std::fabs(z[c])));
      return acc / C;
    case KERNO_LOSS_MEAN_SQUARED_ERROR:
      for (int64_t c = 0; c < C; ++c) acc += (z[c] - t[c]) * (z[c] - t[c]);
      return acc / C;
    case KERNO_LOSS_HUBER:
      for (int64_t c = 0; c < C; ++c) {
        double e = std::fabs(z[c] - t[c]), d = l.delta;
        acc += e <= d ? 0.5 * e * e : d * e - 0.5 * d * d;
      }
      return acc / C;
    default:
      for (int64_t c = 0; c < C; ++c) acc += std::fabs(z[c] - t[c]);
      return acc / C;
  }
}

// d (C) = s·∂loss/∂z of one row, derived independently of loss.cc and checked by finite
// differences below.
void grad64(const Loss& l, double* d, const double* z, const double* t, int64_t C, double s) {
  double S = 0, G = 0, T = 0;
  switch (l.kind) {
    case KERNO_LOSS_CATEGORICAL_CROSSENTROPY:  // L(p/S): (g_k − Σ g·p')/S, g zero where clipped
      for (int64_t c = 0; c < C; ++c) S += z[c];
      for (int64_t c = 0; c < C; ++c) {
        d[c] = inside64(z[c] / S) ? -smooth64(l, t[c], C) / (z[c] / S) : 0;
        G += d[c] * z[c] / S;
      }
      for (int64_t c = 0; c < C; ++c) d[c] = s * (d[c] - G) / S;
      return;
    case KERNO_LOSS_SOFTMAX_CROSSENTROPY:
      S = lse64(z, C);
      for (int64_t c = 0; c < C; ++c) T += smooth64(l, t[c], C);
      for (int64_t c = 0; c < C; ++c) d[c] = s * (std::exp(z[c] - S) * T - smooth64(l, t[c], C));
      return;
    case KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
      for (int64_t c = 0; c < C; ++c) S += clip64(z[c]);
      for (int64_t c = 0; c < C; ++c)
        d[c] = inside64(z[c]) ? s * (1 / S - (c == static_cast<int64_t>(t[0]) ? 1 / clip64(z[c]) : 0)) : 0;
      return;
    case KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY:
      S = lse64(z, C);
      for (int64_t c = 0; c < C; ++c) d[c] = s * (std::exp(z[c] - S) - (c == static_cast<int64_t>(t[0]) ? 1 : 0));
      return;
    default: break;
  }
  for (int64_t c = 0; c < C; ++c) {
    double tc = smooth64(l, t[c], C), e = z[c] - t[c], g;
    if (l.kind == KERNO_LOSS_BINARY_CROSSENTROPY)
      g = inside64(z[c]) ? -tc / z[c] + (1 - tc) / (1 - z[c]) : 0;
    else if (l.kind == KERNO_LOSS_SIGMOID_CROSSENTROPY)
      g = 1 / (1 + std::exp(-z[c])) - tc;
    else if (l.kind == KERNO_LOSS_MEAN_SQUARED_ERROR)
      g = 2 * e;
    else if (l.kind == KERNO_LOSS_HUBER)  // clamp(e, −δ, δ)
      g = std::min(std::max(e, -static_cast<double>(l.delta)), static_cast<double>(l.delta));
    else
      g = e > 0 ? 1 : (e < 0 ? -1 : 0);
    d[c] = s * g / C;
  }
}

// ---------------------------------------------------------------- test data
struct Case {
  int64_t B, C;
  std::vector<float> pred, target, weight;  // (B,C), (B,C) or (B), (B)
};

// Inputs each kind is meant for: probabilities from a softmax (categorical), unnormalised
// positive rows (half the categorical cases, to exercise the normalisation), probabilities in
// [0.02, 0.98] (binary), logits in [-6, 6], and regression values kept 1e-3 from their targets
// (and, for Huber, |p − t| kept 1e-3 from δ, the other kink), on both sides of δ.
// Categorical targets are one-hot on even rows and soft (summing to ~0.9) on odd rows.
Case make_case(const Loss& l, int64_t B, int64_t C, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Case k{B, C, std::vector<float>(B * C), std::vector<float>(sparse(l.kind) ? B : B * C), std::vector<float>(B)};
  for (int64_t b = 0; b < B; ++b) {
    float* z = &k.pred[b * C];
    std::vector<double> e(C);
    double s = 0;
    for (int64_t c = 0; c < C; ++c) s += (e[c] = std::exp(4 * u(gen) - 2));
    for (int64_t c = 0; c < C; ++c) {
      if (logits(l.kind)) z[c] = static_cast<float>(12 * u(gen) - 6);
      else if (l.kind == KERNO_LOSS_BINARY_CROSSENTROPY) z[c] = static_cast<float>(0.02 + 0.96 * u(gen));
      else if (regression(l.kind))
        z[c] = static_cast<float>(4 * u(gen) - 2);
      else z[c] = static_cast<float>(seed % 2 ? e[c] / s : e[c]);
    }
    int64_t label = static_cast<int64_t>(u(gen) * C) % C;
    if (sparse(l.kind)) k.target[b] = static_cast<float>(label);
    for (int64_t c = 0; !sparse(l.kind) && c < C; ++c) {
      float& t = k.target[b * C + c];
      if (regression(l.kind)) {
        t = static_cast<float>(4 * u(gen) - 2);
        if (std::fabs(t - z[c]) < 1e-3f) t = z[c] + 0.5f;
        if (l.kind == KERNO_LOSS_HUBER && std::fabs(std::fabs(t - z[c]) - l.delta) < 1e-3f) t = z[c] + 0.25f * l.delta;
      } else if (l.kind == KERNO_LOSS_BINARY_CROSSENTROPY || l.kind == KERNO_LOSS_SIGMOID_CROSSENTROPY) {
        t = static_cast<float>(b % 2 ? u(gen) : (u(gen) < 0.5 ? 0 : 1));  // soft and hard labels
      } else {  // one-hot, and on odd rows soft targets summing to about 0.9, not 1
        t = b % 2 ? static_cast<float>(1.8 * u(gen) / C) : (c == label ? 1.f : 0.f);
      }
    }
    k.weight[b] = static_cast<float>(2 * u(gen));
  }
  return k;
}

const double* row_target(const Loss& l, const std::vector<double>& t, int64_t b, int64_t C) {
  return sparse(l.kind) ? &t[b] : &t[b * C];
}

std::vector<double> loss64_all(const Loss& l, const Case& k) {
  std::vector<double> z(k.pred.begin(), k.pred.end()), t(k.target.begin(), k.target.end()), out(k.B);
  for (int64_t b = 0; b < k.B; ++b) out[b] = loss64(l, &z[b * k.C], row_target(l, t, b, k.C), k.C);
  return out;
}

// weight may be null (ones).
std::vector<double> grad64_all(const Loss& l, const Case& k, const float* weight) {
  std::vector<double> z(k.pred.begin(), k.pred.end()), t(k.target.begin(), k.target.end()), d(k.B * k.C);
  for (int64_t b = 0; b < k.B; ++b)
    grad64(l, &d[b * k.C], &z[b * k.C], row_target(l, t, b, k.C), k.C, (weight ? weight[b] : 1.0) / k.B);
  return d;
}

std::string label(const kerno_backend* be, const Loss& l, int64_t B, int64_t C, const char* what) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s %s B=%lld C=%lld %s", be->name, l.name, static_cast<long long>(B),
                static_cast<long long>(C), what);
  return buf;
}

std::vector<float> forward(const kerno_backend* be, const Loss& l, const Case& k) {
  std::vector<float> out(k.B, NAN);
  kerno_loss_params p{l.kind, l.ls, l.delta};
  KT_CHECK_OK(be->loss_forward(out.data(), k.pred.data(), k.target.data(), k.B, k.C, &p));
  return out;
}

// dpred starts as NaN: backward must write every element, not accumulate.
std::vector<float> backward(const kerno_backend* be, const Loss& l, const Case& k, const float* weight) {
  std::vector<float> d(k.B * k.C, NAN);
  kerno_loss_params p{l.kind, l.ls, l.delta};
  KT_CHECK_OK(be->loss_backward(d.data(), k.pred.data(), k.target.data(), weight, k.B, k.C, &p));
  return d;
}

void check_against_f64(const kerno_backend* be, const Loss& l, const Case& k) {
  std::vector<float> got = forward(be, l, k);
  std::vector<double> want = loss64_all(l, k);
  KT_ALL_CLOSE(label(be, l, k.B, k.C, "forward").c_str(), got.data(), want.data(), got.size(), kLossAtol, kLossRtol);
  std::vector<float> d = backward(be, l, k, k.weight.data());
  std::vector<double> want_d = grad64_all(l, k, k.weight.data());
  KT_ALL_CLOSE(label(be, l, k.B, k.C, "backward, random weights").c_str(), d.data(), want_d.data(), d.size(),
               kGradAtol, kGradRtol);
  // Weights NULL and all-ones are the same call, to the bit.
  std::vector<float> ones(k.B, 1.f), d_null = backward(be, l, k, nullptr), d_ones = backward(be, l, k, ones.data());
  KT_CHECK(d_null == d_ones, "%s: weight NULL differs from weight ones", label(be, l, k.B, k.C, "").c_str());
  std::vector<double> want_null = grad64_all(l, k, nullptr);
  KT_ALL_CLOSE(label(be, l, k.B, k.C, "backward, no weights").c_str(), d_null.data(), want_null.data(),
               d_null.size(), kGradAtol, kGradRtol);
}

}  // namespace

KERNO_TEST(loss_forward_backward_match_float64) {
  for (const kerno_backend* be : kt::backends())
    for (const Loss& l : kKinds) {
      for (int64_t B : {1, 7, 33})
        for (int64_t C : {1, 7, 33, 255, 1000})
          check_against_f64(be, l, make_case(l, B, C, static_cast<uint32_t>(B * 7919 + C + l.kind)));
      check_against_f64(be, l, make_case(l, 300, 1000, 11u));  // threaded rows
      check_against_f64(be, l, make_case(l, 4099, 10, 12u));
    }
}

// The gradient of Σ_b w_b·loss_b / B by central differences on the float64 forward, row by
// row (rows are independent). Steps: 1e-7 for probabilities (the smallest is ~1e-4, so the
// truncation error is ~1e-6 relative), 1e-5 for logits and regression values. Checks the
// float64 gradient (1e-7 abs, 1e-5 rel) and each backend's float32 gradient (1e-6, 1e-4).
KERNO_TEST(loss_backward_matches_finite_differences) {
  for (const Loss& l : kKinds)
    for (int64_t B : {1, 7, 33})
      for (int64_t C : {1, 7, 33, 255}) {
        Case k = make_case(l, B, C, static_cast<uint32_t>(B * 31 + C * 3 + l.kind));
        std::vector<double> t(k.target.begin(), k.target.end()), fd(B * C);
        double h = logits(l.kind) || regression(l.kind) ? 1e-5 : 1e-7;
        for (int64_t b = 0; b < B; ++b) {
          std::vector<double> z(k.pred.begin() + b * C, k.pred.begin() + (b + 1) * C);
          double s = static_cast<double>(k.weight[b]) / B;
          std::vector<double> g =
              kt::finite_diff(z, h, [&] { return s * loss64(l, z.data(), row_target(l, t, b, C), C); });
          std::copy(g.begin(), g.end(), fd.begin() + b * C);
        }
        std::vector<double> analytic = grad64_all(l, k, k.weight.data());
        std::vector<float> analytic_f(analytic.begin(), analytic.end());
        KT_ALL_CLOSE((std::string(l.name) + " float64 gradient vs finite differences").c_str(), analytic_f.data(),
                     fd.data(), fd.size(), 1e-7, 1e-5);
        for (const kerno_backend* be : kt::backends()) {
          std::vector<float> d = backward(be, l, k, k.weight.data());
          KT_ALL_CLOSE(label(be, l, B, C, "backward vs finite differences").c_str(), d.data(), fd.data(), fd.size(),
                       1e-6, 1e-4);
        }
      }
}

// Logits of ±300 and probabilities of exactly 0 and 1 give finite losses and gradients that
// match float64 (which clips at the same float32 bounds).
KERNO_TEST(loss_extreme_inputs_stay_finite) {
  const int64_t B = 3, C = 5;
  const std::vector<float> big = {300, -300, 0, 5, -5, -300, 300, 299, 0, 1, -300, -300, -300, -300, -300};
  const std::vector<float> probs = {1, 0, 0, 0, 0, 0, 0.7f, 0.3f, 0, 0, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
  const std::vector<float> one_hot = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::vector<float> index = {2, 0, 4}, binary = {1, 0, 1, 0, 0.5f, 0, 1, 0, 1, 0.25f, 1, 1, 0, 0, 1};
  const std::vector<float> w = {1.f, 3.f, 0.5f};
  for (const kerno_backend* be : kt::backends())
    for (const Loss& l : kKinds) {
      if (regression(l.kind)) continue;
      bool bin = l.kind == KERNO_LOSS_BINARY_CROSSENTROPY || l.kind == KERNO_LOSS_SIGMOID_CROSSENTROPY;
      const std::vector<float>& t = sparse(l.kind) ? index : (bin ? binary : one_hot);
      Case k{B, C, logits(l.kind) ? big : probs, t, w};
      std::vector<float> loss = forward(be, l, k), d = backward(be, l, k, w.data());
      for (float v : loss) KT_CHECK(std::isfinite(v), "%s: loss %g", label(be, l, B, C, "extreme").c_str(), v);
      for (float v : d) KT_CHECK(std::isfinite(v), "%s: gradient %g", label(be, l, B, C, "extreme").c_str(), v);
      std::vector<double> want = loss64_all(l, k), want_d = grad64_all(l, k, w.data());
      KT_ALL_CLOSE(label(be, l, B, C, "extreme forward").c_str(), loss.data(), want.data(), loss.size(), kLossAtol,
                   kLossRtol);
      KT_ALL_CLOSE(label(be, l, B, C, "extreme backward").c_str(), d.data(), want_d.data(), d.size(), kGradAtol,
                   kGradRtol);
    }
}

// Keras has no label smoothing for the sparse losses or MSE/MAE/Huber: kerno ignores the field there.
KERNO_TEST(loss_label_smoothing_ignored_where_keras_has_none) {
  const int32_t kinds[] = {KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY,
                           KERNO_LOSS_MEAN_SQUARED_ERROR, KERNO_LOSS_MEAN_ABSOLUTE_ERROR, KERNO_LOSS_HUBER};
  for (const kerno_backend* be : kt::backends())
    for (int32_t kind : kinds) {
      Loss plain{kind, 0.f, "plain"}, smoothed{kind, 0.2f, "smoothed"};
      Case k = make_case(plain, 7, 33, 77u);
      KT_CHECK(forward(be, plain, k) == forward(be, smoothed, k), "%s kind %d: ls changed the loss", be->name, kind);
      KT_CHECK(backward(be, plain, k, nullptr) == backward(be, smoothed, k, nullptr), "%s kind %d: ls changed dpred",
               be->name, kind);
    }
}

// Per-sample losses and gradients (sum_over_batch_size, with and without sample_weight) equal
// keras.losses.* on the TF backend to float32 rounding: 1e-5 relative, 1e-6 absolute.
KERNO_TEST(loss_matches_keras_golden) {
  using namespace kerno_golden;
  for (const kerno_backend* be : kt::backends())
    for (const LossGolden& g : kLosses) {
      Loss l{g.kind, g.label_smoothing, g.name, g.delta};
      Case k{g.B, g.C, std::vector<float>(g.pred, g.pred + g.B * g.C),
             std::vector<float>(g.target, g.target + (g.sparse ? g.B : g.B * g.C)),
             std::vector<float>(g.weight, g.weight + g.B)};
      std::vector<float> loss = forward(be, l, k), dw = backward(be, l, k, g.weight), du = backward(be, l, k, nullptr);
      std::vector<double> want(g.loss, g.loss + g.B), want_w(g.grad_weighted, g.grad_weighted + g.B * g.C),
          want_u(g.grad_unweighted, g.grad_unweighted + g.B * g.C);
      KT_ALL_CLOSE(label(be, l, g.B, g.C, "vs keras loss").c_str(), loss.data(), want.data(), loss.size(), 1e-6, 1e-5);
      KT_ALL_CLOSE(label(be, l, g.B, g.C, "vs keras weighted gradient").c_str(), dw.data(), want_w.data(), dw.size(),
                   1e-6, 1e-5);
      KT_ALL_CLOSE(label(be, l, g.B, g.C, "vs keras gradient").c_str(), du.data(), want_u.data(), du.size(), 1e-6,
                   1e-5);
    }
}

// Dense(activation="softmax") + categorical_crossentropy: Keras's TF backend takes the logits
// path. The fused SOFTMAX_CROSSENTROPY on the logits must equal Keras's categorical
// crossentropy on the softmax probabilities (the golden "categorical" case) to ~1e-6, and its
// gradient must equal Keras's probability gradient chained through the softmax Jacobian.
KERNO_TEST(loss_fused_softmax_crossentropy_matches_keras_on_probabilities) {
  using namespace kerno_golden;
  const LossGolden* probs = nullptr;
  const LossGolden* logit = nullptr;
  for (const LossGolden& g : kLosses) {
    if (std::string(g.name) == "categorical") probs = &g;
    if (std::string(g.name) == "categorical_logits") logit = &g;
  }
  KT_CHECK(probs && logit, "golden cases missing");
  if (!probs || !logit) return;
  const int64_t B = probs->B, C = probs->C;
  Loss l{KERNO_LOSS_SOFTMAX_CROSSENTROPY, 0.f, "fused softmax"};
  Case k{B, C, std::vector<float>(logit->pred, logit->pred + B * C),
         std::vector<float>(probs->target, probs->target + B * C), std::vector<float>(probs->weight, probs->weight + B)};
  // dz = y ⊙ (dp − Σ dp·y), y = softmax(z) (the golden probabilities), dp = Keras's gradient.
  std::vector<double> want_loss(probs->loss, probs->loss + B), want_dz(B * C);
  for (int64_t b = 0; b < B; ++b) {
    const float* y = probs->pred + b * C;
    const float* dp = probs->grad_weighted + b * C;
    double dot = 0;
    for (int64_t c = 0; c < C; ++c) dot += static_cast<double>(dp[c]) * y[c];
    for (int64_t c = 0; c < C; ++c) want_dz[b * C + c] = y[c] * (dp[c] - dot);
  }
  for (const kerno_backend* be : kt::backends()) {
    std::vector<float> loss = forward(be, l, k), dz = backward(be, l, k, k.weight.data());
    KT_ALL_CLOSE(label(be, l, B, C, "vs keras CCE on probabilities").c_str(), loss.data(), want_loss.data(), B, 1e-6,
                 1e-6);
    KT_ALL_CLOSE(label(be, l, B, C, "gradient vs keras CCE chained through softmax").c_str(), dz.data(),
                 want_dz.data(), dz.size(), 1e-6, 1e-5);
  }
}

KERNO_TEST(loss_rejects_bad_arguments) {
  float pred[6] = {0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f}, t[6] = {0, 1, 0, 0, 0, 1}, out[6] = {};
  const kerno_status bad = KERNO_ERR_INVALID_ARGUMENT;
  kerno_loss_params ok{KERNO_LOSS_CATEGORICAL_CROSSENTROPY, 0.f, 0.f};
  for (const kerno_backend* be : kt::backends()) {
    for (int32_t kind : {-1, 9, 1000}) {
      kerno_loss_params p{kind, 0.f, 1.f};
      KT_CHECK(be->loss_forward(out, pred, t, 2, 3, &p) == bad, "%s: kind %d", be->name, kind);
      KT_CHECK(be->loss_backward(out, pred, t, nullptr, 2, 3, &p) == bad, "%s: backward kind %d", be->name, kind);
    }
    for (float ls : {-0.1f, 1.5f, NAN}) {
      kerno_loss_params p{KERNO_LOSS_CATEGORICAL_CROSSENTROPY, ls, 1.f};
      KT_CHECK(be->loss_forward(out, pred, t, 2, 3, &p) == bad, "%s: label_smoothing %g", be->name, ls);
    }
    // Huber's δ must be finite and > 0; the other kinds ignore it (a zeroed struct is fine).
    for (float delta : {0.f, -1.f, NAN, INFINITY}) {
      kerno_loss_params p{KERNO_LOSS_HUBER, 0.f, delta};
      KT_CHECK(be->loss_forward(out, pred, t, 2, 3, &p) == bad, "%s: huber delta %g", be->name, delta);
      KT_CHECK(be->loss_backward(out, pred, t, nullptr, 2, 3, &p) == bad, "%s: huber backward delta %g", be->name,
               delta);
    }
    KT_CHECK(be->loss_forward(out, pred, t, 2, 3, &ok) == KERNO_OK, "%s: delta 0 outside Huber", be->name);
    KT_CHECK(be->loss_forward(out, pred, t, 2, 3, nullptr) == bad, "%s: NULL params", be->name);
    KT_CHECK(be->loss_forward(out, pred, t, -1, 3, &ok) == bad, "%s: B < 0", be->name);
    KT_CHECK(be->loss_forward(out, pred, t, 2, -3, &ok) == bad, "%s: C < 0", be->name);
    KT_CHECK(be->loss_forward(out, pred, t, 2, 0, &ok) == bad, "%s: C = 0 with B > 0", be->name);
    KT_CHECK(be->loss_forward(nullptr, pred, t, 2, 3, &ok) == bad, "%s: NULL loss", be->name);
    KT_CHECK(be->loss_forward(out, nullptr, t, 2, 3, &ok) == bad, "%s: NULL pred", be->name);
    KT_CHECK(be->loss_forward(out, pred, nullptr, 2, 3, &ok) == bad, "%s: NULL target", be->name);
    KT_CHECK(be->loss_backward(nullptr, pred, t, nullptr, 2, 3, &ok) == bad, "%s: NULL dpred", be->name);
    KT_CHECK(be->loss_backward(out, pred, t, nullptr, -2, 3, &ok) == bad, "%s: backward B < 0", be->name);
    KT_CHECK(be->loss_forward(nullptr, nullptr, nullptr, 0, 3, &ok) == KERNO_OK, "%s: B = 0", be->name);
    KT_CHECK(be->loss_backward(nullptr, nullptr, nullptr, nullptr, 0, 0, &ok) == KERNO_OK, "%s: empty", be->name);
    // Sparse targets must be integer class indices in [0, C); nothing is written otherwise.
    for (int32_t kind : {KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY})
      for (float idx : {-1.f, 3.f, 1.5f, NAN, INFINITY}) {
        kerno_loss_params p{kind, 0.f, 1.f};
        float target[2] = {0.f, idx}, loss[2] = {7.f, 7.f}, d[6] = {7, 7, 7, 7, 7, 7};
        KT_CHECK(be->loss_forward(loss, pred, target, 2, 3, &p) == bad, "%s kind %d: index %g", be->name, kind, idx);
        KT_CHECK(be->loss_backward(d, pred, target, nullptr, 2, 3, &p) == bad, "%s kind %d: backward index %g",
                 be->name, kind, idx);
        KT_CHECK(loss[0] == 7.f && d[0] == 7.f, "%s kind %d: a rejected call wrote its output", be->name, kind);
      }
  }
}

// Rows split over any number of threads give the same bits.
KERNO_TEST(loss_same_result_for_any_thread_count) {
  const int saved = kerno_get_num_threads();
  for (const kerno_backend* be : kt::backends())
    for (const Loss& l : kKinds) {
      Case k = make_case(l, 1001, 77, 41u);
      KT_CHECK_OK(kerno_set_num_threads(1));
      std::vector<float> loss1 = forward(be, l, k), d1 = backward(be, l, k, k.weight.data());
      for (int nt : {3, 7}) {
        KT_CHECK_OK(kerno_set_num_threads(nt));
        KT_CHECK(forward(be, l, k) == loss1 && backward(be, l, k, k.weight.data()) == d1,
                 "%s %s: %d threads differ from 1", be->name, l.name, nt);
      }
    }
  KT_CHECK_OK(kerno_set_num_threads(saved));
}
