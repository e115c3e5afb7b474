// optimizer_update with outer-product gradients (kerno_outer_grad): on every backend, the update
// must equal, bit for bit, the same update with those gradients written out as u[r]·v[c] + 0 into
// grad; grad inside the outer weights must stay untouched (even with zero_grad), and a malformed
// layout must be refused before anything is written.
#include <cmath>
#include <cstring>
#include <vector>

#include "harness.h"

namespace {

kerno_optimizer_params base(int32_t kind) {
  kerno_optimizer_params p;
  std::memset(&p, 0, sizeof p);
  p.kind = kind;
  p.learning_rate = 0.01f;
  p.rho = 0.9f;
  p.beta_1 = 0.9f;
  p.beta_2 = 0.999f;
  p.epsilon = 1e-7f;
  p.step = 1;
  p.u_product = 0.5f;
  return p;
}

// One configuration per update rule, with the options that add slots or branches.
std::vector<kerno_optimizer_params> configs() {
  std::vector<kerno_optimizer_params> c;
  kerno_optimizer_params p = base(KERNO_OPT_SGD);
  c.push_back(p);
  p.momentum = 0.9f;
  p.nesterov = 1;
  c.push_back(p);
  c.push_back(base(KERNO_OPT_ADAGRAD));
  p = base(KERNO_OPT_RMSPROP);
  p.momentum = 0.5f;
  p.centered = 1;
  c.push_back(p);
  p = base(KERNO_OPT_ADAM);
  c.push_back(p);
  p.amsgrad = 1;
  p.weight_decay = 0.004f;
  c.push_back(p);
  c.push_back(base(KERNO_OPT_NADAM));
  c.push_back(base(KERNO_OPT_ADAMAX));
  return c;
}

// Element values that pin the generated gradient: zeros of both signs (u·v = −0 must become +0,
// as 0 + u·v does), and magnitudes from 1e-30 (products that flush) to 10.
std::vector<float> vector_with_zeros(size_t n, uint32_t seed) {
  std::vector<float> x = kt::random_vector(n, seed, -2.f, 2.f);
  for (size_t i = 0; i < n; ++i) {
    if (i % 7 == 3) x[i] = 0.f;
    if (i % 11 == 5) x[i] = -0.f;
    if (i % 13 == 6) x[i] *= 1e-20f;
    if (i % 17 == 2) x[i] *= 5.f;
  }
  return x;
}

struct Layout {
  int64_t N;
  std::vector<kerno_outer_grad> outer;
  std::vector<std::vector<float>> vecs;  // owns every u and v
};

// Plain gaps between the weights, a weight with u = NULL (a bias), an empty weight, and one
// larger than a thread's share (16K elements) and the kernel's 2K-element blocks, with ragged
// rows so that blocks start mid-row.
Layout layout() {
  Layout l;
  struct Spec {
    int64_t gap, rows, cols;
    bool ones;
  };
  const Spec specs[] = {{100, 37, 300, false}, {5, 1, 300, true}, {0, 0, 64, false}, {3, 201, 129, false},
                        {0, 1, 129, true}, {0, 5, 3, false}};
  int64_t at = 0;
  uint32_t seed = 40;
  l.vecs.reserve(2 * (sizeof specs / sizeof specs[0]));
  for (const Spec& s : specs) {
    at += s.gap;
    kerno_outer_grad o{at, s.rows, s.cols, nullptr, nullptr};
    if (!s.ones) {
      l.vecs.push_back(vector_with_zeros(static_cast<size_t>(s.rows), seed++));
      o.u = l.vecs.back().data();
    }
    l.vecs.push_back(vector_with_zeros(static_cast<size_t>(s.cols), seed++));
    o.v = l.vecs.back().data();
    l.outer.push_back(o);
    at += s.rows * s.cols;
  }
  l.N = at + 77;
  return l;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

KERNO_TEST(optimizer_update_outer_grads_match_written_gradients) {
  const Layout l = layout();
  const int64_t N = l.N;
  const float kSentinel = 7.f;
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update) continue;
    for (const kerno_optimizer_params& cfg : configs()) {
      std::vector<float> w[2], s[2][3], grad[2];
      for (int k = 0; k < 2; ++k) {
        w[k] = kt::random_vector(N, 1, -1.f, 1.f);
        for (int j = 0; j < 3; ++j) s[k][j] = kt::random_vector(N, 2 + j, 0.f, 1e-2f);
      }
      for (int64_t step = 1; step <= 3; ++step) {
        kerno_optimizer_params p = cfg;
        p.step = step;
        p.zero_grad = step != 2;  // with and without zeroing
        // k = 0: the gradients written out; k = 1: generated from the outer weights.
        grad[0] = grad[1] = kt::random_vector(N, 10 + step, -1.f, 1.f);
        for (const kerno_outer_grad& o : l.outer)
          for (int64_t r = 0; r < o.rows; ++r)
            for (int64_t c = 0; c < o.cols; ++c) {
              const int64_t i = o.offset + r * o.cols + c;
              grad[0][i] = (o.u ? o.u[r] : 1.f) * o.v[c] + 0.f;
              grad[1][i] = kSentinel;
            }
        for (int k = 0; k < 2; ++k) {
          kerno_optimizer_params q = p;
          if (k == 1) {
            q.outer = l.outer.data();
            q.n_outer = static_cast<int32_t>(l.outer.size());
          }
          KT_CHECK_OK(be->optimizer_update(w[k].data(), grad[k].data(), s[k][0].data(), s[k][1].data(),
                                           s[k][2].data(), N, &q));
        }
        bool same = same_bits(w[0], w[1]);
        for (int j = 0; j < 3; ++j) same = same && same_bits(s[0][j], s[1][j]);
        KT_CHECK(same, "%s kind %d step %lld: outer gradients differ from written ones", be->name, cfg.kind,
                 static_cast<long long>(step));
        // grad: zeroed (or kept) outside the outer weights as without them, untouched inside.
        bool grad_ok = true;
        int64_t o = 0;
        for (int64_t i = 0; i < N; ++i) {
          while (o < static_cast<int64_t>(l.outer.size()) && i >= l.outer[o].offset + l.outer[o].rows * l.outer[o].cols) ++o;
          const bool inside = o < static_cast<int64_t>(l.outer.size()) && i >= l.outer[o].offset;
          grad_ok = grad_ok && (inside ? grad[1][i] == kSentinel : grad[1][i] == grad[0][i]);
        }
        KT_CHECK(grad_ok, "%s kind %d step %lld: grad written where it should not be", be->name, cfg.kind,
                 static_cast<long long>(step));
      }
    }
  }
}

KERNO_TEST(optimizer_update_rejects_bad_outer_grads) {
  const int64_t N = 64;
  std::vector<float> u(8, 1.f), v(8, 1.f);
  using Mut = void (*)(kerno_outer_grad*, int32_t&);
  const Mut muts[] = {
      [](kerno_outer_grad* o, int32_t&) { o[1].offset = 10; },                  // overlaps the first
      [](kerno_outer_grad* o, int32_t&) { o[0].offset = 40; },                  // not sorted
      [](kerno_outer_grad* o, int32_t&) { o[1].offset = 60; },                  // past N
      [](kerno_outer_grad* o, int32_t&) { o[1].offset = 65; o[1].rows = 0; },   // starts past N
      [](kerno_outer_grad* o, int32_t&) { o[0].offset = -1; },
      [](kerno_outer_grad* o, int32_t&) { o[0].rows = -1; },
      [](kerno_outer_grad* o, int32_t&) { o[0].cols = -8; },
      [](kerno_outer_grad* o, int32_t&) { o[1].rows = int64_t{1} << 62; o[1].cols = 4; },  // rows·cols overflows
      [](kerno_outer_grad* o, int32_t&) { o[0].v = nullptr; },
      [](kerno_outer_grad*, int32_t& n) { n = -1; },
      [](kerno_outer_grad*, int32_t& n) { n = KERNO_MAX_OUTER_GRADS + 1; },
  };
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update) continue;
    kerno_optimizer_params p = base(KERNO_OPT_ADAM);
    for (Mut m : muts) {
      kerno_outer_grad o[KERNO_MAX_OUTER_GRADS + 1] = {};
      o[0] = {0, 8, 4, u.data(), v.data()};
      o[1] = {32, 8, 4, nullptr, v.data()};
      int32_t n = 2;
      m(o, n);
      std::vector<float> w(N, 1.f), g(N, 1.f), m0(N, 0.f), m1(N, 0.f);
      p.outer = o;
      p.n_outer = n;
      KT_CHECK(be->optimizer_update(w.data(), g.data(), m0.data(), m1.data(), nullptr, N, &p) ==
                   KERNO_ERR_INVALID_ARGUMENT,
               "%s: a bad outer layout accepted", be->name);
      KT_CHECK(w == std::vector<float>(N, 1.f) && g == std::vector<float>(N, 1.f), "%s: written before refusing",
               be->name);
    }
    p.outer = nullptr;
    p.n_outer = 1;
    std::vector<float> w(N, 1.f), g(N, 1.f), m0(N, 0.f), m1(N, 0.f);
    KT_CHECK(be->optimizer_update(w.data(), g.data(), m0.data(), m1.data(), nullptr, N, &p) ==
                 KERNO_ERR_INVALID_ARGUMENT,
             "%s: n_outer without outer accepted", be->name);
  }
}
