// optimizer_update, sum_squares, scale and clip_by_value on every backend, against float64
// implementations of the Keras 3 formulas written out here (keras/src/optimizers/*.py).
// N = parameter count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "harness.h"

namespace {

// Params after a few float32 steps differ from float64 by a few ulps per step plus the ~2e-7
// relative gap between Keras's float32(1 − β) and the exact 1 − β used here.
constexpr double kAtol = 2e-6, kRtol = 2e-5;
const int64_t kSizes[] = {1, 7, 33, 255, 1000, 40000};  // 40000 > one thread's grain
constexpr int kSteps = 5;

kerno_optimizer_params base(int32_t kind, float lr) {
  kerno_optimizer_params p;
  std::memset(&p, 0, sizeof p);
  p.kind = kind;
  p.learning_rate = lr;
  p.rho = 0.9f;
  p.beta_1 = 0.9f;
  p.beta_2 = 0.999f;
  p.epsilon = 1e-7f;
  p.step = 1;
  return p;
}

// Keras Nadam's `_u_product` after `step` steps, in float32 as Keras updates it:
// u ← (u·β1)·(1 − 0.5·0.96^t), starting from 1.
float nadam_u_product_f32(float beta_1, int64_t step) {
  float u = 1.f;
  for (int64_t t = 1; t <= step; ++t) u = (u * beta_1) * (1.f - 0.5f * std::pow(0.96f, static_cast<float>(t)));
  return u;
}

struct Case {
  const char* name;
  kerno_optimizer_params p;
  double slot0_init;  // Adagrad's initial_accumulator_value; 0 elsewhere
};

std::vector<Case> cases() {
  std::vector<Case> c;
  auto add = [&](const char* n, kerno_optimizer_params p, double s0 = 0) { c.push_back({n, p, s0}); };
  add("sgd", base(KERNO_OPT_SGD, 0.1f));
  kerno_optimizer_params p = base(KERNO_OPT_SGD, 0.1f);
  p.momentum = 0.9f;
  add("sgd momentum", p);
  p.nesterov = 1;
  add("sgd nesterov", p);
  p = base(KERNO_OPT_SGD, 0.1f);
  p.weight_decay = 0.5f;  // large so decay-before-update vs after differs by ~1e-3
  add("sgd weight_decay", p);
  add("adagrad", base(KERNO_OPT_ADAGRAD, 0.05f), 0.1);
  add("rmsprop", base(KERNO_OPT_RMSPROP, 0.01f));
  p = base(KERNO_OPT_RMSPROP, 0.01f);
  p.momentum = 0.5f;
  add("rmsprop momentum", p);
  p.centered = 1;
  add("rmsprop centered momentum", p);
  p.momentum = 0;
  add("rmsprop centered", p);
  add("adam", base(KERNO_OPT_ADAM, 0.01f));
  p = base(KERNO_OPT_ADAM, 0.01f);
  p.amsgrad = 1;
  add("adam amsgrad", p);
  p = base(KERNO_OPT_ADAM, 0.01f);
  p.weight_decay = 0.004f;
  add("adamw", p);
  p.weight_decay = 0.5f;
  p.amsgrad = 1;
  add("adamw amsgrad large decay", p);
  p = base(KERNO_OPT_NADAM, 0.01f);
  p.u_product = nadam_u_product_f32(p.beta_1, 1);
  add("nadam", p);
  p.beta_1 = 0.5f;  // u_product falls fast: the two bias-correction terms weigh differently
  p.beta_2 = 0.9f;
  p.u_product = nadam_u_product_f32(p.beta_1, 1);
  p.weight_decay = 0.1f;
  add("nadam beta 0.5/0.9 weight_decay", p);
  add("adamax", base(KERNO_OPT_ADAMAX, 0.01f));
  p = base(KERNO_OPT_ADAMAX, 0.02f);
  p.beta_1 = 0.8f;
  p.beta_2 = 0.5f;  // the decayed norm often loses to |g|: both sides of the maximum
  p.weight_decay = 0.1f;
  add("adamax beta 0.8/0.5 weight_decay", p);
  return c;
}

// ---- float64 Keras ------------------------------------------------------------------------

struct Ref64 {
  std::vector<double> w, s[3];
};

void sgd64(const kerno_optimizer_params& p, Ref64& r, size_t i, double g) {
  double lr = p.learning_rate, m = p.momentum;
  if (m == 0) {
    r.w[i] -= lr * g;
    return;
  }
  r.s[0][i] = m * r.s[0][i] - lr * g;  // the learning rate is folded into the velocity
  r.w[i] += p.nesterov ? m * r.s[0][i] - lr * g : r.s[0][i];
}

void rmsprop64(const kerno_optimizer_params& p, Ref64& r, size_t i, double g) {
  double rho = p.rho, lr = p.learning_rate, eps = p.epsilon;
  double& v = r.s[0][i];
  v = rho * v + (1 - rho) * g * g;
  double denom = v + eps;
  if (p.centered) {
    double& a = r.s[2][i];
    a = rho * a + (1 - rho) * g;
    denom = v - a * a + eps;
  }
  double inc = lr * g / std::sqrt(denom);
  if (p.momentum > 0) {
    r.s[1][i] = p.momentum * r.s[1][i] + inc;
    inc = r.s[1][i];
  }
  r.w[i] -= inc;
}

void adam64(const kerno_optimizer_params& p, Ref64& r, size_t i, double g) {
  double b1 = p.beta_1, b2 = p.beta_2, t = static_cast<double>(p.step);
  double alpha = p.learning_rate * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
  double& m = r.s[0][i];
  double& v = r.s[1][i];
  m += (g - m) * (1 - b1);
  v += (g * g - v) * (1 - b2);
  double vv = v;
  if (p.amsgrad) vv = r.s[2][i] = std::max(r.s[2][i], v);
  r.w[i] -= m * alpha / (std::sqrt(vv) + p.epsilon);
}

// Nadam with Keras's μ schedule u_t = β1·(1 − 0.5·0.96^t) and the exact product Π u_i.
void nadam64(const kerno_optimizer_params& p, Ref64& r, size_t i, double g) {
  double b1 = p.beta_1, b2 = p.beta_2, t = static_cast<double>(p.step), prod = 1;
  for (int64_t k = 1; k <= p.step; ++k) prod *= b1 * (1 - 0.5 * std::pow(0.96, static_cast<double>(k)));
  double u_t = b1 * (1 - 0.5 * std::pow(0.96, t)), u_next = b1 * (1 - 0.5 * std::pow(0.96, t + 1));
  double& m = r.s[0][i];
  double& v = r.s[1][i];
  m += (g - m) * (1 - b1);
  v += (g * g - v) * (1 - b2);
  double m_hat = u_next * m / (1 - prod * u_next) + (1 - u_t) * g / (1 - prod);
  double v_hat = v / (1 - std::pow(b2, t));
  r.w[i] -= m_hat * p.learning_rate / (std::sqrt(v_hat) + p.epsilon);
}

void adamax64(const kerno_optimizer_params& p, Ref64& r, size_t i, double g) {
  double& m = r.s[0][i];
  double& u = r.s[1][i];
  m += (g - m) * (1 - static_cast<double>(p.beta_1));
  u = std::max(static_cast<double>(p.beta_2) * u, std::fabs(g));
  r.w[i] -= p.learning_rate * m / ((1 - std::pow(static_cast<double>(p.beta_1), static_cast<double>(p.step))) * (u + p.epsilon));
}

void step64(const kerno_optimizer_params& p, Ref64& r, const std::vector<float>& g) {
  for (size_t i = 0; i < r.w.size(); ++i) {
    r.w[i] -= r.w[i] * p.weight_decay * p.learning_rate;  // decoupled decay, before the update
    switch (p.kind) {
      case KERNO_OPT_SGD: sgd64(p, r, i, g[i]); break;
      case KERNO_OPT_ADAGRAD:
        r.s[0][i] += static_cast<double>(g[i]) * g[i];
        r.w[i] -= p.learning_rate * g[i] / std::sqrt(r.s[0][i] + p.epsilon);
        break;
      case KERNO_OPT_RMSPROP: rmsprop64(p, r, i, g[i]); break;
      case KERNO_OPT_ADAM: adam64(p, r, i, g[i]); break;
      case KERNO_OPT_NADAM: nadam64(p, r, i, g[i]); break;
      case KERNO_OPT_ADAMAX: adamax64(p, r, i, g[i]); break;
    }
  }
}

// ---- running one case on one backend --------------------------------------------------------

void run_case(const kerno_backend* be, const Case& c, int64_t n) {
  std::vector<float> w = kt::random_vector(n, 11, -2.f, 2.f);
  std::vector<float> s[3];
  Ref64 r;
  r.w.assign(w.begin(), w.end());
  for (int k = 0; k < 3; ++k) {
    s[k].assign(n, k == 0 ? static_cast<float>(c.slot0_init) : 0.f);
    r.s[k].assign(n, k == 0 ? c.slot0_init : 0.0);
  }
  kerno_optimizer_params p = c.p;
  for (int t = 1; t <= kSteps; ++t) {
    p.step = t;
    p.u_product = nadam_u_product_f32(p.beta_1, t);  // what the caller tracks (read by Nadam only)
    // A learning-rate change mid-run pins where the rate enters (SGD folds it into the velocity).
    if (t == 3) p.learning_rate *= 0.25f;
    std::vector<float> g = kt::random_vector(n, 100 + t, -1.f, 1.f);
    KT_CHECK_OK(be->optimizer_update(w.data(), g.data(), s[0].data(), s[1].data(), s[2].data(), n, &p));
    step64(p, r, g);
  }
  char what[160];
  std::snprintf(what, sizeof what, "%s %s N=%lld param", be->name, c.name, static_cast<long long>(n));
  KT_ALL_CLOSE(what, w.data(), r.w.data(), n, kAtol, kRtol);
  for (int k = 0; k < 3; ++k) {
    std::snprintf(what, sizeof what, "%s %s N=%lld slot%d", be->name, c.name, static_cast<long long>(n), k);
    KT_ALL_CLOSE(what, s[k].data(), r.s[k].data(), n, kAtol, kRtol);
  }
}

}  // namespace

KERNO_TEST(optimizer_update_matches_float64_keras) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update) continue;
    for (const Case& c : cases())
      for (int64_t n : kSizes) run_case(be, c, n);
  }
}

KERNO_TEST(optimizer_update_thread_count_invariant) {
  int saved = kerno_get_num_threads();
  const int64_t n = 100000;
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update) continue;
    for (const Case& c : cases()) {
      std::vector<float> out[2];
      for (int threads = 1; threads <= 2; ++threads) {
        KT_CHECK_OK(kerno_set_num_threads(threads));
        std::vector<float> w = kt::random_vector(n, 3), g = kt::random_vector(n, 4);
        std::vector<float> s0(n, 0.1f), s1(n, 0.f), s2(n, 0.f);
        KT_CHECK_OK(be->optimizer_update(w.data(), g.data(), s0.data(), s1.data(), s2.data(), n, &c.p));
        out[threads - 1] = w;
      }
      KT_CHECK(out[0] == out[1], "%s %s: 1 and 2 threads differ", be->name, c.name);
    }
  }
  kerno_set_num_threads(saved);
}

// The fast loops are the reference expressions vectorised (and compiled a second time for AVX2,
// chosen at run time); without a contracted a*b+c anywhere, every element matches the scalar
// reference bit for bit. A build that let FMA into the AVX2 loops would fail here.
KERNO_TEST(optimizer_update_matches_reference_bitwise) {
  const kerno_backend* ref = kerno_backend_by_name("reference");
  const int64_t n = 40007;  // several vectors, two threads' chunks and a ragged tail
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update || be == ref || (be->mem_alloc != nullptr)) continue;
    for (const Case& c : cases()) {
      std::vector<float> w[2], s[2][3];
      for (int k = 0; k < 2; ++k) {
        w[k] = kt::random_vector(n, 11);
        std::vector<float> g = kt::random_vector(n, 12, -1e-3f, 1e-3f);
        for (int j = 0; j < 3; ++j) s[k][j] = kt::random_vector(n, 13 + j, 0.f, 1e-4f);
        const kerno_backend* run = k == 0 ? ref : be;
        for (int64_t step = 1; step <= 3; ++step) {
          kerno_optimizer_params p = c.p;
          p.step = step;
          KT_CHECK_OK(run->optimizer_update(w[k].data(), g.data(), s[k][0].data(), s[k][1].data(), s[k][2].data(), n, &p));
        }
      }
      bool same = std::memcmp(w[0].data(), w[1].data(), n * sizeof(float)) == 0;
      for (int j = 0; j < 3; ++j) same = same && std::memcmp(s[0][j].data(), s[1][j].data(), n * sizeof(float)) == 0;
      KT_CHECK(same, "%s %s: differs from the reference bit for bit", be->name, c.name);
    }
  }
}

KERNO_TEST(optimizer_update_unused_slots_may_be_null) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update) continue;
    std::vector<float> w = {1.f, -2.f}, g = {0.5f, 0.25f};
    kerno_optimizer_params p = base(KERNO_OPT_SGD, 0.1f);
    KT_CHECK_OK(be->optimizer_update(w.data(), g.data(), nullptr, nullptr, nullptr, 2, &p));
    KT_CHECK(w[0] == 1.f - 0.5f * 0.1f && w[1] == -2.f - 0.25f * 0.1f, "%s: plain SGD", be->name);
    std::vector<float> m(2, 0.f), v(2, 0.f);
    p = base(KERNO_OPT_ADAM, 0.1f);
    KT_CHECK_OK(be->optimizer_update(w.data(), g.data(), m.data(), v.data(), nullptr, 2, &p));
  }
}

KERNO_TEST(optimizer_update_rejects_bad_arguments) {
  using Mut = void (*)(kerno_optimizer_params&);
  const Mut muts[] = {
      [](kerno_optimizer_params& p) { p.kind = 17; },
      [](kerno_optimizer_params& p) { p.learning_rate = std::numeric_limits<float>::quiet_NaN(); },
      [](kerno_optimizer_params& p) { p.learning_rate = std::numeric_limits<float>::infinity(); },
      [](kerno_optimizer_params& p) { p.epsilon = std::numeric_limits<float>::quiet_NaN(); },
      [](kerno_optimizer_params& p) { p.weight_decay = std::numeric_limits<float>::infinity(); },
      [](kerno_optimizer_params& p) { p.step = 0; },
      [](kerno_optimizer_params& p) { p.beta_1 = std::numeric_limits<float>::quiet_NaN(); },
      [](kerno_optimizer_params& p) { p.kind = KERNO_OPT_ADAMAX + 1; },
      [](kerno_optimizer_params& p) { p.kind = KERNO_OPT_ADAMAX; p.beta_2 = std::numeric_limits<float>::infinity(); },
      [](kerno_optimizer_params& p) { p.kind = KERNO_OPT_ADAMAX; p.step = 0; },
      [](kerno_optimizer_params& p) { p.kind = KERNO_OPT_NADAM; p.u_product = std::numeric_limits<float>::quiet_NaN(); },
      [](kerno_optimizer_params& p) { p.kind = KERNO_OPT_NADAM; p.u_product = 1.5f; },
      [](kerno_optimizer_params& p) { p.kind = KERNO_OPT_NADAM; p.u_product = -0.1f; },
      [](kerno_optimizer_params& p) { p.kind = KERNO_OPT_NADAM; p.u_product = 0.5f; p.step = 0; },
  };
  std::vector<float> w(4, 1.f), g(4, 1.f), s0(4, 0.f), s1(4, 0.f), s2(4, 0.f);
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update) continue;
    auto call = [&](const kerno_optimizer_params* p, int64_t n, float* a, float* b, float* c) {
      return be->optimizer_update(w.data(), g.data(), a, b, c, n, p);
    };
    const kerno_status bad = KERNO_ERR_INVALID_ARGUMENT;
    kerno_optimizer_params adam = base(KERNO_OPT_ADAM, 0.1f);
    for (Mut m : muts) {
      kerno_optimizer_params p = adam;
      m(p);
      KT_CHECK(call(&p, 4, s0.data(), s1.data(), s2.data()) == bad, "%s: a bad param accepted", be->name);
    }
    KT_CHECK(call(nullptr, 4, s0.data(), s1.data(), s2.data()) == bad, "%s: NULL params", be->name);
    KT_CHECK(call(&adam, -1, s0.data(), s1.data(), s2.data()) == bad, "%s: N < 0", be->name);
    KT_CHECK(call(&adam, 4, s0.data(), nullptr, nullptr) == bad, "%s: Adam without v", be->name);
    KT_CHECK(be->optimizer_update(nullptr, g.data(), s0.data(), s1.data(), nullptr, 4, &adam) == bad,
             "%s: NULL param", be->name);
    KT_CHECK(be->optimizer_update(w.data(), nullptr, s0.data(), s1.data(), nullptr, 4, &adam) == bad,
             "%s: NULL grad", be->name);
    adam.amsgrad = 1;
    KT_CHECK(call(&adam, 4, s0.data(), s1.data(), nullptr) == bad, "%s: amsgrad without v_hat", be->name);
    for (int32_t kind : {KERNO_OPT_NADAM, KERNO_OPT_ADAMAX}) {
      kerno_optimizer_params q = base(kind, 0.1f);
      q.u_product = 0.5f;
      KT_CHECK(call(&q, 4, s0.data(), nullptr, nullptr) == bad, "%s: kind %d without slot1", be->name, kind);
      KT_CHECK(call(&q, 4, nullptr, s1.data(), nullptr) == bad, "%s: kind %d without slot0", be->name, kind);
    }
    kerno_optimizer_params sgd = base(KERNO_OPT_SGD, 0.1f);
    sgd.momentum = 0.9f;
    KT_CHECK(call(&sgd, 4, nullptr, nullptr, nullptr) == bad, "%s: momentum without velocity", be->name);
    sgd.momentum = 1.5f;  // Keras: momentum must be in [0, 1]
    KT_CHECK(call(&sgd, 4, s0.data(), nullptr, nullptr) == bad, "%s: momentum 1.5", be->name);
    kerno_optimizer_params rms = base(KERNO_OPT_RMSPROP, 0.1f);
    rms.centered = 1;
    KT_CHECK(call(&rms, 4, s0.data(), nullptr, nullptr) == bad, "%s: centered without average", be->name);
    KT_CHECK(call(&rms, 0, nullptr, nullptr, nullptr) == KERNO_OK, "%s: N = 0 is a no-op", be->name);
    KT_CHECK(w == std::vector<float>(4, 1.f), "%s: a rejected call wrote param", be->name);
  }
}

// ---- clipping helpers ------------------------------------------------------------------------

KERNO_TEST(sum_squares_scale_clip_match_float64) {
  const int64_t sizes[] = {0, 1, 7, 33, 255, 1000, 1 << 20};
  int saved = kerno_get_num_threads();
  for (const kerno_backend* be : kt::backends()) {
    if (!be->sum_squares || !be->scale || !be->clip_by_value) continue;
    for (int64_t n : sizes) {
      std::vector<float> x = kt::random_vector(n, 7, -3.f, 3.f);
      double want = 0;
      for (float v : x) want += static_cast<double>(v) * v;
      double got[2] = {-1, -1};
      for (int threads = 1; threads <= 2; ++threads) {
        kerno_set_num_threads(threads);
        KT_CHECK_OK(be->sum_squares(&got[threads - 1], x.data(), n));
      }
      KT_CHECK(std::fabs(got[0] - want) <= 1e-12 * want, "%s sum_squares N=%lld: %.17g vs %.17g",
               be->name, static_cast<long long>(n), got[0], want);
      KT_CHECK(got[0] == got[1], "%s sum_squares N=%lld depends on the thread count", be->name,
               static_cast<long long>(n));
      std::vector<double> scaled(x.begin(), x.end()), clipped(x.begin(), x.end());
      for (double& v : scaled) v *= 0.37f;
      for (double& v : clipped) v = std::min(1.5, std::max(-1.5, v));
      std::vector<float> y = x;
      KT_CHECK_OK(be->scale(y.data(), n, 0.37f));
      KT_ALL_CLOSE("scale", y.data(), scaled.data(), n, 0, 1e-7);
      y = x;
      KT_CHECK_OK(be->clip_by_value(y.data(), n, 1.5f));
      KT_ALL_CLOSE("clip_by_value", y.data(), clipped.data(), n, 0, 0);
    }
  }
  kerno_set_num_threads(saved);
}

KERNO_TEST(clip_by_value_edge_cases_and_bad_arguments) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (const kerno_backend* be : kt::backends()) {
    if (!be->clip_by_value) continue;
    std::vector<float> x = {inf, -inf, nan, 0.5f, -0.5f};
    KT_CHECK_OK(be->clip_by_value(x.data(), 5, 1.f));
    KT_CHECK(x[0] == 1.f && x[1] == -1.f && std::isnan(x[2]) && x[3] == 0.5f && x[4] == -0.5f,
             "%s: clip_by_value keeps NaN and clamps ±inf", be->name);
    const kerno_status bad = KERNO_ERR_INVALID_ARGUMENT;
    KT_CHECK(be->clip_by_value(x.data(), 5, -1.f) == bad, "%s: negative clip value", be->name);
    KT_CHECK(be->clip_by_value(x.data(), 5, nan) == bad, "%s: NaN clip value", be->name);
    KT_CHECK(be->clip_by_value(nullptr, 5, 1.f) == bad, "%s: NULL x", be->name);
    KT_CHECK(be->clip_by_value(x.data(), -1, 1.f) == bad, "%s: N < 0", be->name);
    KT_CHECK(be->scale(nullptr, 5, 1.f) == bad, "%s: scale NULL x", be->name);
    KT_CHECK(be->scale(x.data(), -1, 1.f) == bad, "%s: scale N < 0", be->name);
    double s;
    KT_CHECK(be->sum_squares(nullptr, x.data(), 5) == bad, "%s: sum_squares NULL out", be->name);
    KT_CHECK(be->sum_squares(&s, nullptr, 5) == bad, "%s: sum_squares NULL x", be->name);
    KT_CHECK(be->sum_squares(&s, x.data(), -1) == bad, "%s: sum_squares N < 0", be->name);
  }
}

// zero_grad: the same update (param and slots bit for bit), then every gradient is zero; without
// it the gradients are left as they were. Sizes cover the CPU's zeroing blocks, both threads'
// chunks and a ragged tail; device backends run through the staging adapter.
KERNO_TEST(optimizer_update_zero_grad_zeroes_after_the_same_update) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update) continue;
    for (const Case& c : cases())
      for (int64_t n : {int64_t{1}, int64_t{4095}, int64_t{40007}}) {
        std::vector<float> w[2], g[2], s[2][3];
        for (int k = 0; k < 2; ++k) {
          w[k] = kt::random_vector(n, 21);
          g[k] = kt::random_vector(n, 22, -1.f, 1.f);
          for (int j = 0; j < 3; ++j) s[k][j] = kt::random_vector(n, 23 + j, 0.f, 0.5f);
          kerno_optimizer_params p = c.p;
          p.step = 2;
          p.u_product = nadam_u_product_f32(p.beta_1, 2);
          p.zero_grad = k;
          KT_CHECK_OK(be->optimizer_update(w[k].data(), g[k].data(), s[k][0].data(), s[k][1].data(), s[k][2].data(), n, &p));
        }
        bool same = std::memcmp(w[0].data(), w[1].data(), n * sizeof(float)) == 0;
        for (int j = 0; j < 3; ++j) same = same && std::memcmp(s[0][j].data(), s[1][j].data(), n * sizeof(float)) == 0;
        KT_CHECK(same, "%s %s N=%lld: zero_grad changed the update", be->name, c.name, static_cast<long long>(n));
        const std::vector<float> g0 = kt::random_vector(n, 22, -1.f, 1.f);
        KT_CHECK(g[0] == g0, "%s %s N=%lld: grad written without zero_grad", be->name, c.name, static_cast<long long>(n));
        bool zero = std::all_of(g[1].begin(), g[1].end(), [](float v) { return v == 0.f && !std::signbit(v); });
        KT_CHECK(zero, "%s %s N=%lld: grad not zeroed", be->name, c.name, static_cast<long long>(n));
      }
  }
}
