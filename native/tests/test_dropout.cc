// Dropout on every backend: the keep rule of native/cpu/dropout.cc written out independently
// (uniform element j of the Philox stream ≥ rate), thread-count and split invariance, the keep
// fraction, mask values, backward accumulation and invalid rates. N = element count.
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/philox.h"
#include "harness.h"

namespace {

bool expected_keep(uint64_t seed, uint64_t j, float rate) {
  uint64_t q = j / 4;
  kerno::Philox4x32 x = kerno::philox4x32_10({{uint32_t(q), uint32_t(q >> 32), 0, 0}}, uint32_t(seed),
                                             uint32_t(seed >> 32));
  return (x.v[j % 4] >> 8) / 16777216.0 >= rate;
}

struct Run {
  std::vector<float> out, mask;
};

Run forward(const kerno_backend* be, const std::vector<float>& x, float rate, uint64_t seed, uint64_t offset) {
  Run r{std::vector<float>(x.size(), NAN), std::vector<float>(x.size(), NAN)};
  KT_CHECK_OK(be->dropout_forward(r.out.data(), r.mask.data(), x.data(), static_cast<int64_t>(x.size()), rate, seed,
                                  offset));
  return r;
}

}  // namespace

KERNO_TEST(dropout_follows_the_documented_keep_rule) {
  const size_t n = 100003;
  std::vector<float> x = kt::random_vector(n, 1);
  for (const kerno_backend* be : kt::backends()) {
    if (!be->dropout_forward) continue;
    for (float rate : {0.1f, 0.5f, 0.9f}) {
      const uint64_t seed = 0x1234567890abcdefull, offset = (uint64_t{1} << 34) + 3;
      Run r = forward(be, x, rate, seed, offset);
      const float scale = static_cast<float>(1.0 / (1.0 - rate));
      size_t bad = 0;
      for (size_t i = 0; i < n; ++i) {
        bool keep = expected_keep(seed, offset + i, rate);
        float m = keep ? scale : 0.f;
        if (r.mask[i] != m || r.out[i] != x[i] * m) ++bad;
      }
      KT_CHECK(bad == 0, "%s rate %g: %zu of %zu elements differ from the keep rule", be->name, rate, bad, n);
    }
  }
}

KERNO_TEST(dropout_same_mask_for_any_thread_count_split_and_backend) {
  const int saved = kerno_get_num_threads();
  const size_t n = (1 << 20) + 7;
  std::vector<float> x = kt::random_vector(n, 2);
  std::vector<float> first;
  for (const kerno_backend* be : kt::backends()) {
    if (!be->dropout_forward) continue;
    for (int threads = 1; threads <= 2; ++threads) {
      KT_CHECK_OK(kerno_set_num_threads(threads));
      Run r = forward(be, x, 0.3f, 99, 5);
      if (first.empty()) first = r.mask;
      KT_CHECK(r.mask == first, "%s, %d thread(s): mask differs from the first backend", be->name, threads);
    }
    // Two calls over halves with offsets continuing the stream give the one-call mask.
    const size_t h = 12345;
    std::vector<float> a(x.begin(), x.begin() + h), b(x.begin() + h, x.end());
    Run ra = forward(be, a, 0.3f, 99, 5), rb = forward(be, b, 0.3f, 99, 5 + h);
    ra.mask.insert(ra.mask.end(), rb.mask.begin(), rb.mask.end());
    KT_CHECK(ra.mask == first, "%s: split call differs", be->name);
  }
  kerno_set_num_threads(saved);
}

KERNO_TEST(dropout_keep_fraction_and_mask_values) {
  const size_t n = 1000000;
  std::vector<float> x(n, 1.f);
  for (const kerno_backend* be : kt::backends()) {
    if (!be->dropout_forward) continue;
    for (float rate : {0.2f, 0.5f, 0.75f}) {
      Run r = forward(be, x, rate, 7, 0);
      const float scale = static_cast<float>(1.0 / (1.0 - rate));
      size_t kept = 0, odd = 0;
      for (float m : r.mask) {
        kept += m != 0.f;
        odd += m != 0.f && m != scale;
      }
      // Five binomial standard errors: sqrt(p(1−p)/n) ≈ 5e-4 here.
      double frac = kept / static_cast<double>(n), keep = 1.0 - rate;
      double bound = 5 * std::sqrt(keep * (1 - keep) / n);
      KT_CHECK(std::fabs(frac - keep) < bound, "%s rate %g kept %.5f", be->name, rate, frac);
      KT_CHECK(odd == 0, "%s rate %g: %zu mask values neither 0 nor 1/(1-rate)", be->name, rate, odd);
    }
    Run id = forward(be, x, 0.f, 7, 0);  // rate 0: identity
    bool all = true;
    for (size_t i = 0; i < n; ++i) all = all && id.mask[i] == 1.f && id.out[i] == x[i];
    KT_CHECK(all, "%s rate 0 is not the identity", be->name);
  }
}

KERNO_TEST(dropout_backward_accumulates_dout_times_mask) {
  const size_t n = 70001;
  std::vector<float> x = kt::random_vector(n, 3), dout = kt::random_vector(n, 4), init = kt::random_vector(n, 5);
  for (const kerno_backend* be : kt::backends()) {
    if (!be->dropout_backward) continue;
    Run r = forward(be, x, 0.4f, 11, 0);
    std::vector<float> g = init;
    KT_CHECK_OK(be->dropout_backward(g.data(), dout.data(), r.mask.data(), static_cast<int64_t>(n)));
    std::vector<double> want(n);
    for (size_t i = 0; i < n; ++i) want[i] = init[i] + static_cast<double>(dout[i]) * r.mask[i];
    KT_ALL_CLOSE(be->name, g.data(), want.data(), n, 1e-6, 1e-6);
    // Finite differences are trivial for a fixed mask: out is linear in inp with slope mask.
    std::vector<double> x64(x.begin(), x.begin() + 50), fd;
    fd = kt::finite_diff(x64, 1e-3, [&] {
      double s = 0;
      for (size_t i = 0; i < x64.size(); ++i) s += x64[i] * r.mask[i] * dout[i];
      return s;
    });
    std::vector<float> g0(50, 0.f);
    KT_CHECK_OK(be->dropout_backward(g0.data(), dout.data(), r.mask.data(), 50));
    KT_ALL_CLOSE(be->name, g0.data(), fd.data(), 50, 1e-5, 1e-5);
  }
}

KERNO_TEST(dropout_rejects_invalid_rates) {
  std::vector<float> x(8, 1.f), o(8), m(8);
  for (const kerno_backend* be : kt::backends()) {
    if (!be->dropout_forward) continue;
    for (float rate : {1.f, 1.5f, -0.1f, NAN})
      KT_CHECK(be->dropout_forward(o.data(), m.data(), x.data(), 8, rate, 1, 0) == KERNO_ERR_INVALID_ARGUMENT,
               "%s accepted rate %g", be->name, rate);
    KT_CHECK(be->dropout_forward(o.data(), m.data(), x.data(), -1, 0.5f, 1, 0) == KERNO_ERR_INVALID_ARGUMENT,
             "%s accepted N < 0", be->name);
    KT_CHECK(be->dropout_forward(o.data(), nullptr, x.data(), 8, 0.5f, 1, 0) == KERNO_ERR_INVALID_ARGUMENT,
             "%s accepted a NULL mask", be->name);
    KT_CHECK_OK(be->dropout_forward(nullptr, nullptr, nullptr, 0, 0.5f, 1, 0));
  }
}
