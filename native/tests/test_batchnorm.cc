// Batch normalization on every backend against a float64 Keras formula written here and central
// finite differences through the batch statistics. N = rows (B·H·W for NHWC, B for 2-D),
// C = channels.
#include <cmath>
#include <cstring>
#include <vector>

#include "harness.h"

namespace {

kerno_batchnorm_params bn(int64_t N, int64_t C, float momentum = 0.99f, float eps = 1e-3f) {
  kerno_batchnorm_params p;
  std::memset(&p, 0, sizeof p);
  p.N = N, p.C = C, p.momentum = momentum, p.epsilon = eps;
  return p;
}

std::vector<double> to64(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

struct Bn64 {
  std::vector<double> out, mean, var, mm, mv;
};

// Keras training forward in double: biased variance, invstd = 1/sqrt(var + eps).
Bn64 train64(const std::vector<double>& x, const double* gamma, const double* beta, const std::vector<double>& mm0,
             const std::vector<double>& mv0, const kerno_batchnorm_params& p) {
  const int64_t N = p.N, C = p.C;
  Bn64 r{std::vector<double>(N * C), std::vector<double>(C), std::vector<double>(C), mm0, mv0};
  for (int64_t c = 0; c < C; ++c) {
    double s = 0, q = 0;
    for (int64_t i = 0; i < N; ++i) s += x[i * C + c];
    r.mean[c] = s / N;
    for (int64_t i = 0; i < N; ++i) q += (x[i * C + c] - r.mean[c]) * (x[i * C + c] - r.mean[c]);
    r.var[c] = q / N;
    double inv = 1 / std::sqrt(r.var[c] + static_cast<double>(p.epsilon));
    for (int64_t i = 0; i < N; ++i)
      r.out[i * C + c] = (x[i * C + c] - r.mean[c]) * inv * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
    r.mm[c] = mm0[c] * p.momentum + r.mean[c] * (1 - static_cast<double>(p.momentum));
    r.mv[c] = mv0[c] * p.momentum + r.var[c] * (1 - static_cast<double>(p.momentum));
  }
  return r;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

struct Case {
  int64_t N, C;
  bool affine;       // gamma and beta given (else both NULL)
  float offset;      // added to every input: tests the two-pass variance
};

void check_train_and_backward(const kerno_backend* be, const Case& k, bool with_fd) {
  const kerno_batchnorm_params p = bn(k.N, k.C, 0.9f, 1e-3f);
  const size_t n = static_cast<size_t>(k.N * k.C), C = static_cast<size_t>(k.C);
  std::vector<float> x = kt::random_vector(n, 21, -2.f, 2.f);
  for (float& v : x) v += k.offset;
  std::vector<float> gamma = kt::random_vector(C, 22, 0.5f, 1.5f), beta = kt::random_vector(C, 23);
  std::vector<float> mm = kt::random_vector(C, 24), mv = kt::random_vector(C, 25, 0.5f, 2.f);
  std::vector<double> g64 = to64(gamma), b64 = to64(beta);
  const double* gp = k.affine ? g64.data() : nullptr;
  const double* bp = k.affine ? b64.data() : nullptr;
  std::vector<double> x64 = to64(x);
  Bn64 want = train64(x64, gp, bp, to64(mm), to64(mv), p);

  std::vector<float> out(n), smean(C), sinv(C);
  const float* gf = k.affine ? gamma.data() : nullptr;
  const float* bf = k.affine ? beta.data() : nullptr;
  KT_CHECK_OK(be->batchnorm_forward_train(out.data(), smean.data(), sinv.data(), mm.data(), mv.data(), x.data(), gf,
                                          bf, &p));
  char what[128];
  std::snprintf(what, sizeof what, "%s bn N%lld C%lld%s offset %g", be->name, (long long)k.N, (long long)k.C,
                k.affine ? "" : " (no gamma/beta)", k.offset);
  // out is O(1): float rounding of x̂ plus the ~|offset|·2^-24 rounding of the input's own grid.
  KT_ALL_CLOSE(what, out.data(), want.out.data(), n, 2e-5, 2e-5);
  KT_ALL_CLOSE(what, smean.data(), want.mean.data(), C, 1e-6, 1e-6);
  std::vector<double> want_inv(C);
  for (size_t c = 0; c < C; ++c) want_inv[c] = 1 / std::sqrt(want.var[c] + static_cast<double>(p.epsilon));
  KT_ALL_CLOSE(what, sinv.data(), want_inv.data(), C, 0, 1e-6);
  KT_ALL_CLOSE(what, mm.data(), want.mm.data(), C, 1e-6, 1e-6);
  KT_ALL_CLOSE(what, mv.data(), want.mv.data(), C, 1e-6, 1e-5);

  // Backward of Σ out·r. Analytic float64 gradient for the big cases, finite differences for small.
  std::vector<float> r = kt::random_vector(n, 26);
  std::vector<double> r64 = to64(r);
  std::vector<float> dx = kt::random_vector(n, 27), dg = kt::random_vector(C, 28), db = kt::random_vector(C, 29);
  std::vector<double> want_dx = to64(dx), want_dg = to64(dg), want_db = to64(db);
  // The backward's inputs are the saved float statistics (checked above against float64): with a
  // large offset, the float rounding of the mean alone moves dgamma by ~|offset|·2^-24·invstd·Σdout.
  for (int64_t c = 0; c < k.C; ++c) {
    const double mean = smean[c], inv = sinv[c];
    double sdy = 0, sdyx = 0;
    for (int64_t i = 0; i < k.N; ++i) {
      sdy += r64[i * k.C + c];
      sdyx += r64[i * k.C + c] * (x64[i * k.C + c] - mean) * inv;
    }
    want_db[c] += sdy;
    want_dg[c] += sdyx;
    for (int64_t i = 0; i < k.N; ++i) {
      double xh = (x64[i * k.C + c] - mean) * inv;
      want_dx[i * k.C + c] += (gp ? gp[c] : 1) * inv * (r64[i * k.C + c] - sdy / k.N - xh * sdyx / k.N);
    }
  }
  KT_CHECK_OK(be->batchnorm_backward(dx.data(), dg.data(), db.data(), r.data(), x.data(), gf, smean.data(),
                                     sinv.data(), &p));
  // dinp is a difference of O(1) terms; dgamma/dbeta are double sums of N float products, off by
  // the float rounding of invstd (~6e-8 relative) and of the starting value.
  KT_ALL_CLOSE(what, dx.data(), want_dx.data(), n, 2e-4, 1e-4);
  KT_ALL_CLOSE(what, dg.data(), want_dg.data(), C, 1e-4, 1e-5);
  KT_ALL_CLOSE(what, db.data(), want_db.data(), C, 1e-4, 1e-5);
  if (!with_fd) return;
  // Finite differences of the float64 forward, w.r.t. inp, gamma and beta; the kernel's
  // accumulated result minus its starting value is compared.
  auto loss = [&] { return dot(train64(x64, gp, bp, want.mm, want.mv, p).out, r64); };
  std::vector<double> fd_x = kt::finite_diff(x64, 1e-4, loss);
  std::vector<float> dx0(n, 0.f), dg0(C, 0.f), db0(C, 0.f);
  KT_CHECK_OK(be->batchnorm_backward(dx0.data(), k.affine ? dg0.data() : nullptr, k.affine ? db0.data() : nullptr,
                                     r.data(), x.data(), gf, smean.data(), sinv.data(), &p));
  KT_ALL_CLOSE(what, dx0.data(), fd_x.data(), n, 1e-4, 1e-3);
  if (!k.affine) return;
  std::vector<double> fd_g = kt::finite_diff(g64, 1e-4, loss), fd_b = kt::finite_diff(b64, 1e-4, loss);
  KT_ALL_CLOSE(what, dg0.data(), fd_g.data(), C, 1e-4, 1e-4);
  KT_ALL_CLOSE(what, db0.data(), fd_b.data(), C, 1e-4, 1e-4);
}

}  // namespace

KERNO_TEST(batchnorm_train_forward_backward_match_float64) {
  const Case cases[] = {
      {2 * 28 * 31, 3, true, 0.f},   // NHWC, B = 2, H = 28, W = 31
      {2 * 5 * 5, 17, true, 0.f},    // NHWC, odd channel count
      {3 * 31 * 28, 17, false, 0.f}, // scale/center False
      {40000, 3, true, 0.f},         // many rows: several reduction chunks
      {4096, 5, true, 1000.f},       // large mean: two-pass variance stays accurate
      {64, 100, true, 0.f},          // 2-D (N = B)
      {1, 3, true, 0.f},             // a batch of one: var = 0, out = beta
  };
  for (const kerno_backend* be : kt::backends()) {
    if (!be->batchnorm_forward_train) continue;
    for (const Case& k : cases) check_train_and_backward(be, k, false);
  }
}

KERNO_TEST(batchnorm_backward_matches_finite_differences) {
  const Case cases[] = {{2 * 3 * 3, 3, true, 0.f}, {7, 1, true, 0.f}, {12, 5, false, 0.f}, {5, 17, true, 0.5f}};
  for (const kerno_backend* be : kt::backends()) {
    if (!be->batchnorm_backward) continue;
    for (const Case& k : cases) check_train_and_backward(be, k, true);
  }
}

KERNO_TEST(batchnorm_inference_uses_moving_statistics) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->batchnorm_forward_infer) continue;
    for (bool affine : {true, false}) {
      const int64_t N = 2 * 5 * 31, C = 17;
      const kerno_batchnorm_params p = bn(N, C);
      std::vector<float> x = kt::random_vector(N * C, 31, -3.f, 3.f), gamma = kt::random_vector(C, 32);
      std::vector<float> beta = kt::random_vector(C, 33), mm = kt::random_vector(C, 34);
      std::vector<float> mv = kt::random_vector(C, 35, 0.f, 2.f), out(N * C);
      std::vector<double> want(N * C);
      for (int64_t i = 0; i < N; ++i)
        for (int64_t c = 0; c < C; ++c)
          want[i * C + c] = (x[i * C + c] - static_cast<double>(mm[c])) / std::sqrt(mv[c] + 1e-3) *
                                (affine ? gamma[c] : 1.0) + (affine ? beta[c] : 0.0);
      KT_CHECK_OK(be->batchnorm_forward_infer(out.data(), x.data(), affine ? gamma.data() : nullptr,
                                              affine ? beta.data() : nullptr, mm.data(), mv.data(), &p));
      KT_ALL_CLOSE(be->name, out.data(), want.data(), out.size(), 1e-5, 1e-5);
    }
  }
}

KERNO_TEST(batchnorm_same_bits_for_any_thread_count) {
  const int saved = kerno_get_num_threads();
  const int64_t N = 50000, C = 7;
  const kerno_batchnorm_params p = bn(N, C);
  std::vector<float> x = kt::random_vector(N * C, 41), r = kt::random_vector(N * C, 42);
  for (const kerno_backend* be : kt::backends()) {
    if (!be->batchnorm_forward_train) continue;
    std::vector<float> first;
    for (int threads = 1; threads <= 2; ++threads) {
      KT_CHECK_OK(kerno_set_num_threads(threads));
      std::vector<float> out(N * C), sm(C), si(C), mm(C, 0.f), mv(C, 1.f), dx(N * C, 0.f), dg(C, 0.f), db(C, 0.f);
      KT_CHECK_OK(be->batchnorm_forward_train(out.data(), sm.data(), si.data(), mm.data(), mv.data(), x.data(),
                                              nullptr, nullptr, &p));
      KT_CHECK_OK(be->batchnorm_backward(dx.data(), dg.data(), db.data(), r.data(), x.data(), nullptr, sm.data(),
                                         si.data(), &p));
      std::vector<float> all = out;
      for (auto* v : {&sm, &si, &mm, &mv, &dx, &dg, &db}) all.insert(all.end(), v->begin(), v->end());
      if (first.empty()) first = all;
      KT_CHECK(all == first, "%s: results differ between 1 and %d threads", be->name, threads);
    }
  }
  kerno_set_num_threads(saved);
}

KERNO_TEST(batchnorm_rejects_invalid_parameters) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->batchnorm_forward_train) continue;
    std::vector<float> x(12, 1.f), o(12), s(3), t(3);
    kerno_batchnorm_params p = bn(4, 3);
    KT_CHECK_OK(be->batchnorm_forward_train(o.data(), s.data(), t.data(), nullptr, nullptr, x.data(), nullptr, nullptr,
                                            &p));
    p.N = 0;
    KT_CHECK(be->batchnorm_forward_train(o.data(), s.data(), t.data(), nullptr, nullptr, x.data(), nullptr, nullptr,
                                         &p) == KERNO_ERR_INVALID_ARGUMENT, "%s training on 0 rows", be->name);
    p = bn(4, 3, 0.99f, -1.f);
    KT_CHECK(be->batchnorm_forward_infer(o.data(), x.data(), nullptr, nullptr, s.data(), t.data(), &p) ==
                 KERNO_ERR_INVALID_ARGUMENT, "%s negative epsilon", be->name);
    p = bn(4, 3, NAN);
    KT_CHECK(be->batchnorm_forward_train(o.data(), s.data(), t.data(), nullptr, nullptr, x.data(), nullptr, nullptr,
                                         &p) == KERNO_ERR_INVALID_ARGUMENT, "%s NaN momentum", be->name);
    p = bn(4, 3);
    KT_CHECK(be->batchnorm_backward(o.data(), nullptr, nullptr, x.data(), x.data(), nullptr, nullptr, t.data(), &p) ==
                 KERNO_ERR_INVALID_ARGUMENT, "%s backward without saved mean", be->name);
    KT_CHECK(be->batchnorm_forward_train(o.data(), s.data(), t.data(), nullptr, nullptr, x.data(), nullptr, nullptr,
                                         nullptr) == KERNO_ERR_INVALID_ARGUMENT, "%s NULL params", be->name);
  }
}

// ---- golden values from Keras 3.15.1 / TF 2.21 (scripts/fixtures/make_pool_bn_golden.py) ----

#include "fixtures/keras_golden_pool_bn.inc"

KERNO_TEST(batchnorm_matches_keras_golden) {
  // TF computes the moments in float32 (kerno in double) and differentiates its own graph: the
  // outputs agree to a few float32 ulps of O(1) values; dinp, a difference of O(1) terms, to ~1e-5.
  for (const kerno_backend* be : kt::backends()) {
    if (!be->batchnorm_forward_train) continue;
    for (const kerno_golden::BatchNormGolden& g : kerno_golden::kBatchNormGolden) {
      const size_t n = static_cast<size_t>(g.p.N * g.p.C), C = static_cast<size_t>(g.p.C);
      std::vector<float> out(n), sm(C), si(C), mm(g.moving_mean0, g.moving_mean0 + C);
      std::vector<float> mv(g.moving_var0, g.moving_var0 + C), dx(n, 0.f), dg(C, 0.f), db(C, 0.f), inf(n);
      KT_CHECK_OK(be->batchnorm_forward_train(out.data(), sm.data(), si.data(), mm.data(), mv.data(), g.x, g.gamma,
                                              g.beta, &g.p));
      KT_CHECK_OK(be->batchnorm_backward(dx.data(), g.affine ? dg.data() : nullptr, g.affine ? db.data() : nullptr,
                                         g.r, g.x, g.gamma, sm.data(), si.data(), &g.p));
      KT_CHECK_OK(be->batchnorm_forward_infer(inf.data(), g.x, g.gamma, g.beta, g.moving_mean, g.moving_var, &g.p));
      auto w = [](const float* v, size_t k) { return std::vector<double>(v, v + k); };
      char what[96];
      std::snprintf(what, sizeof what, "%s keras %s", be->name, g.name);
      KT_ALL_CLOSE(what, out.data(), w(g.out, n).data(), n, 1e-5, 1e-5);
      KT_ALL_CLOSE(what, mm.data(), w(g.moving_mean, C).data(), C, 1e-6, 1e-6);
      KT_ALL_CLOSE(what, mv.data(), w(g.moving_var, C).data(), C, 1e-6, 1e-6);
      KT_ALL_CLOSE(what, inf.data(), w(g.infer_out, n).data(), n, 1e-5, 1e-5);
      KT_ALL_CLOSE(what, dx.data(), w(g.dx, n).data(), n, 2e-5, 1e-4);
      if (!g.affine) continue;
      KT_ALL_CLOSE(what, dg.data(), w(g.dgamma, C).data(), C, 2e-5, 1e-5);
      KT_ALL_CLOSE(what, db.data(), w(g.dbeta, C).data(), C, 2e-5, 1e-5);
    }
  }
}
