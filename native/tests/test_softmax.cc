// Softmax kernels on every backend: against a float64 reference written here, central finite
// differences of Σ softmax(x)·r, extremes, accumulation, aliasing and bad arguments.
// R = rows, C = columns (the softmax axis).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "harness.h"
#include "kerno/kernels.h"

namespace {

const int64_t kRows[] = {1, 7, 33, 255};
const int64_t kCols[] = {1, 7, 33, 255, 1000};

// Forward: outputs are in [0,1]; exp's argument x − max carries float32 rounding of up to
// |x − max|·2^-24, so tiny outputs get ~5e-6 relative error. Hence 1e-5 relative, 1e-7 absolute.
const double kFwdAtol = 1e-7, kFwdRtol = 1e-5;
// Backward: a dot product over C in float32 on top of the forward's rounding.
const double kBwdAtol = 1e-6, kBwdRtol = 1e-5;

// y (C) = softmax(x (C)) in double.
void softmax64(double* y, const double* x, int64_t C) {
  double m = *std::max_element(x, x + C), s = 0;
  for (int64_t c = 0; c < C; ++c) s += (y[c] = std::exp(x[c] - m));
  for (int64_t c = 0; c < C; ++c) y[c] /= s;
}

std::vector<double> forward64(const std::vector<float>& x, int64_t R, int64_t C) {
  std::vector<double> xd(x.begin(), x.end()), y(x.size());
  for (int64_t r = 0; r < R; ++r) softmax64(&y[r * C], &xd[r * C], C);
  return y;
}

// prefill + y ⊙ (g − Σ g·y), row by row, with y the float64 softmax.
std::vector<double> backward64(const std::vector<float>& x, const std::vector<float>& g, int64_t R, int64_t C,
                               float prefill) {
  std::vector<double> y = forward64(x, R, C), d(x.size());
  for (int64_t r = 0; r < R; ++r) {
    double dot = 0;
    for (int64_t c = 0; c < C; ++c) dot += g[r * C + c] * y[r * C + c];
    for (int64_t c = 0; c < C; ++c) d[r * C + c] = prefill + y[r * C + c] * (g[r * C + c] - dot);
  }
  return d;
}

std::string label(const kerno_backend* be, int64_t R, int64_t C, const char* what) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s softmax R=%lld C=%lld %s", be->name, static_cast<long long>(R),
                static_cast<long long>(C), what);
  return buf;
}

std::vector<float> forward(const kerno_backend* be, const std::vector<float>& x, int64_t R, int64_t C) {
  std::vector<float> y(x.size(), NAN);
  KT_CHECK_OK(be->softmax_forward(y.data(), x.data(), R, C));
  return y;
}

// Backward from the kernel's own forward output, into dinp prefilled with `prefill`.
std::vector<float> backward(const kerno_backend* be, const std::vector<float>& x, const std::vector<float>& g,
                            int64_t R, int64_t C, float prefill) {
  std::vector<float> y = forward(be, x, R, C), d(x.size(), prefill);
  KT_CHECK_OK(be->softmax_backward(d.data(), g.data(), y.data(), R, C));
  return d;
}

void check_against_f64(const kerno_backend* be, const std::vector<float>& x, int64_t R, int64_t C, uint32_t seed) {
  std::vector<float> g = kt::random_vector(x.size(), seed);
  std::vector<float> y = forward(be, x, R, C), d = backward(be, x, g, R, C, -0.5f);
  std::vector<double> want_y = forward64(x, R, C), want_d = backward64(x, g, R, C, -0.5f);
  KT_ALL_CLOSE(label(be, R, C, "forward").c_str(), y.data(), want_y.data(), y.size(), kFwdAtol, kFwdRtol);
  KT_ALL_CLOSE(label(be, R, C, "backward (+= -0.5)").c_str(), d.data(), want_d.data(), d.size(), kBwdAtol,
               kBwdRtol);
}

}  // namespace

KERNO_TEST(softmax_forward_backward_match_float64) {
  for (const kerno_backend* be : kt::backends()) {
    for (int64_t R : kRows)
      for (int64_t C : kCols) {
        uint32_t seed = static_cast<uint32_t>(R * 1000 + C);
        check_against_f64(be, kt::random_vector(static_cast<size_t>(R * C), seed, -8.f, 8.f), R, C, seed + 1);
      }
    check_against_f64(be, kt::random_vector(1000 * 1000, 42u, -20.f, 20.f), 1000, 1000, 43u);  // threaded
    check_against_f64(be, kt::random_vector(4099 * 10, 44u, -20.f, 20.f), 4099, 10, 45u);
  }
}

// Rows are independent, so the gradient of Σ softmax(x)·r is differenced one row at a time
// (h = 1e-5 on the float64 forward: error ~1e-10). It checks the float64 backward (to 1e-8) and
// each backend's float32 backward with dout = r (to 1e-6 absolute, 1e-5 relative).
KERNO_TEST(softmax_backward_matches_finite_differences) {
  for (int64_t R : {int64_t{1}, int64_t{7}, int64_t{33}})
    for (int64_t C : kCols) {
      std::vector<float> x = kt::random_vector(static_cast<size_t>(R * C), static_cast<uint32_t>(R + C), -5.f, 5.f);
      std::vector<float> r = kt::random_vector(x.size(), static_cast<uint32_t>(R * C + 9));
      std::vector<double> fd(x.size()), row_y(static_cast<size_t>(C));
      for (int64_t row = 0; row < R; ++row) {
        std::vector<double> xr(x.begin() + row * C, x.begin() + (row + 1) * C);
        std::vector<double> g = kt::finite_diff(xr, 1e-5, [&] {
          softmax64(row_y.data(), xr.data(), C);
          double s = 0;
          for (int64_t c = 0; c < C; ++c) s += row_y[c] * r[row * C + c];
          return s;
        });
        std::copy(g.begin(), g.end(), fd.begin() + row * C);
      }
      std::vector<double> analytic = backward64(x, r, R, C, 0.f);
      std::vector<float> analytic_f(analytic.begin(), analytic.end());
      KT_ALL_CLOSE("float64 softmax backward vs finite differences", analytic_f.data(), fd.data(), fd.size(), 1e-8,
                   1e-6);
      for (const kerno_backend* be : kt::backends()) {
        std::vector<float> d = backward(be, x, r, R, C, 0.f);
        KT_ALL_CLOSE(label(be, R, C, "backward vs finite differences").c_str(), d.data(), fd.data(), fd.size(), 1e-6,
                     1e-5);
      }
    }
}

// Logits of ±300 (and ±1e30) give finite probabilities and gradients equal to float64's.
KERNO_TEST(softmax_extreme_logits_stay_finite) {
  const int64_t C = 9;
  const std::vector<float> x = {
      300.f,  -300.f, 0.f,    5.f,    -5.f,   299.f,  1.f,    2.f,    3.f,     // a large winner
      -300.f, -300.f, -300.f, -300.f, -300.f, -300.f, -300.f, -300.f, -300.f,  // uniform at -300
      1e30f,  -1e30f, 0.f,    1e30f,  0.f,    0.f,    0.f,    0.f,    -1e30f,  // two tied giants
      -300.f, 300.f,  -300.f, 300.f,  -300.f, 300.f,  -300.f, 300.f,  -300.f,
  };
  const int64_t R = static_cast<int64_t>(x.size()) / C;
  std::vector<float> g = kt::random_vector(x.size(), 5u);
  for (const kerno_backend* be : kt::backends()) {
    std::vector<float> y = forward(be, x, R, C), d = backward(be, x, g, R, C, 0.f);
    for (size_t i = 0; i < x.size(); ++i)
      KT_CHECK(std::isfinite(y[i]) && std::isfinite(d[i]), "%s: element %zu: y=%g dx=%g", be->name, i,
               static_cast<double>(y[i]), static_cast<double>(d[i]));
    std::vector<double> want_y = forward64(x, R, C), want_d = backward64(x, g, R, C, 0.f);
    KT_ALL_CLOSE(label(be, R, C, "extreme forward").c_str(), y.data(), want_y.data(), y.size(), kFwdAtol, kFwdRtol);
    KT_ALL_CLOSE(label(be, R, C, "extreme backward").c_str(), d.data(), want_d.data(), d.size(), kBwdAtol,
                 kBwdRtol);
  }
}

KERNO_TEST(softmax_nan_poisons_only_its_row) {
  std::vector<float> x = {1.f, NAN, 2.f, 1.f, 2.f, 3.f};
  for (const kerno_backend* be : kt::backends()) {
    std::vector<float> y = forward(be, x, 2, 3);
    KT_CHECK(std::isnan(y[0]) && std::isnan(y[1]) && std::isnan(y[2]), "%s: NaN row not NaN", be->name);
    KT_CHECK(std::isfinite(y[3]) && std::isfinite(y[4]) && std::isfinite(y[5]), "%s: clean row hit", be->name);
  }
}

KERNO_TEST(softmax_in_place_and_single_column) {
  for (const kerno_backend* be : kt::backends()) {
    std::vector<float> x = kt::random_vector(33 * 255, 8u, -10.f, 10.f), want = forward(be, x, 33, 255), io = x;
    KT_CHECK_OK(be->softmax_forward(io.data(), io.data(), 33, 255));
    KT_CHECK(io == want, "%s: in-place softmax differs from out-of-place", be->name);
    // C = 1: every output is 1 and the gradient is zero (only the prefill remains).
    std::vector<float> one = {-3.f, 0.f, 7.f}, g = {1.f, 2.f, 3.f};
    std::vector<float> y = forward(be, one, 3, 1), d = backward(be, one, g, 3, 1, 0.125f);
    for (int i = 0; i < 3; ++i)
      KT_CHECK(y[i] == 1.f && d[i] == 0.125f, "%s: C=1 row %d: y=%g d=%g", be->name, i, static_cast<double>(y[i]),
               static_cast<double>(d[i]));
  }
}

KERNO_TEST(softmax_rejects_bad_arguments) {
  float a[6] = {}, b[6] = {}, c[6] = {};
  const kerno_status bad = KERNO_ERR_INVALID_ARGUMENT;
  for (const kerno_backend* be : kt::backends()) {
    KT_CHECK(be->softmax_forward(a, b, -1, 3) == bad, "%s: R < 0", be->name);
    KT_CHECK(be->softmax_forward(a, b, 2, -3) == bad, "%s: C < 0", be->name);
    KT_CHECK(be->softmax_forward(nullptr, b, 2, 3) == bad, "%s: NULL out", be->name);
    KT_CHECK(be->softmax_forward(a, nullptr, 2, 3) == bad, "%s: NULL inp", be->name);
    KT_CHECK(be->softmax_forward(nullptr, nullptr, 0, 3) == KERNO_OK, "%s: R = 0 needs no buffers", be->name);
    KT_CHECK(be->softmax_forward(nullptr, nullptr, 4, 0) == KERNO_OK, "%s: C = 0 needs no buffers", be->name);
    KT_CHECK(be->softmax_backward(a, b, c, -2, 3) == bad, "%s: backward R < 0", be->name);
    KT_CHECK(be->softmax_backward(a, b, c, 2, -1) == bad, "%s: backward C < 0", be->name);
    KT_CHECK(be->softmax_backward(nullptr, b, c, 2, 3) == bad, "%s: NULL dinp", be->name);
    KT_CHECK(be->softmax_backward(a, nullptr, c, 2, 3) == bad, "%s: NULL dout", be->name);
    KT_CHECK(be->softmax_backward(a, b, nullptr, 2, 3) == bad, "%s: NULL out", be->name);
    KT_CHECK(be->softmax_backward(nullptr, nullptr, nullptr, 0, 0) == KERNO_OK, "%s: empty backward", be->name);
  }
}

// Rows split over any number of threads give the same bits.
KERNO_TEST(softmax_same_result_for_any_thread_count) {
  const int saved = kerno_get_num_threads();
  const int64_t R = 3001, C = 77;
  std::vector<float> x = kt::random_vector(R * C, 31u, -9.f, 9.f), g = kt::random_vector(R * C, 32u);
  for (const kerno_backend* be : kt::backends()) {
    KT_CHECK_OK(kerno_set_num_threads(1));
    std::vector<float> y1 = forward(be, x, R, C), d1 = backward(be, x, g, R, C, 0.5f);
    for (int nt : {3, 7}) {
      KT_CHECK_OK(kerno_set_num_threads(nt));
      KT_CHECK(forward(be, x, R, C) == y1 && backward(be, x, g, R, C, 0.5f) == d1, "%s: %d threads differ from 1",
               be->name, nt);
    }
  }
  KT_CHECK_OK(kerno_set_num_threads(saved));
}
