// Dense kernels on every backend: against a float64 reference written here, central finite
// differences of Σ out·r, accumulation, NULL gradients, empty sizes and bad arguments.
// B = batch, I = input features, U = units.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "harness.h"
#include "kerno/kernels.h"

namespace {

struct Shape {
  int64_t B, I, U;
};

// A float32 dot product of K terms in [-1, 1] drifts by about K·2^-24·|partial sums| from the
// exact value; 5e-8·K + 1e-6 absolute (plus 1e-5 relative) bounds that with margin.
double sum_atol(int64_t K) { return 5e-8 * static_cast<double>(K) + 1e-6; }
const double kRtol = 1e-5;

struct Data {
  Shape s;
  std::vector<float> inp, kernel, bias, dout;  // (B,I), (I,U), (U), (B,U)
};

Data make_data(Shape s, uint32_t seed) {
  return Data{s, kt::random_vector(s.B * s.I, seed), kt::random_vector(s.I * s.U, seed + 1),
              kt::random_vector(s.U, seed + 2), kt::random_vector(s.B * s.U, seed + 3)};
}

// ---------------------------------------------------------------- float64 reference
std::vector<double> forward64(const Data& d, bool with_bias) {
  const Shape& s = d.s;
  std::vector<double> out(s.B * s.U);
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t u = 0; u < s.U; ++u) {
      double acc = with_bias ? d.bias[u] : 0.0;
      for (int64_t i = 0; i < s.I; ++i) acc += static_cast<double>(d.inp[b * s.I + i]) * d.kernel[i * s.U + u];
      out[b * s.U + u] = acc;
    }
  return out;
}

struct Grads64 {
  std::vector<double> dinp, dkernel, dbias;
};

// prefill + the gradients of Σ out·dout.
Grads64 backward64(const Data& d, double prefill) {
  const Shape& s = d.s;
  Grads64 g{std::vector<double>(s.B * s.I, prefill), std::vector<double>(s.I * s.U, prefill),
            std::vector<double>(s.U, prefill)};
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t u = 0; u < s.U; ++u) {
      double go = d.dout[b * s.U + u];
      g.dbias[u] += go;
      for (int64_t i = 0; i < s.I; ++i) {
        g.dinp[b * s.I + i] += go * d.kernel[i * s.U + u];
        g.dkernel[i * s.U + u] += go * d.inp[b * s.I + i];
      }
    }
  return g;
}

// ---------------------------------------------------------------- helpers
std::string label(const kerno_backend* be, const Shape& s, const char* what) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s dense B=%lld I=%lld U=%lld %s", be->name, static_cast<long long>(s.B),
                static_cast<long long>(s.I), static_cast<long long>(s.U), what);
  return buf;
}

// out starts as NaN: forward must overwrite it (GEMM beta = 0 semantics).
std::vector<float> forward(const kerno_backend* be, const Data& d, bool with_bias) {
  std::vector<float> out(d.s.B * d.s.U, NAN);
  KT_CHECK_OK(be->dense_forward(out.data(), d.inp.data(), d.kernel.data(), with_bias ? d.bias.data() : nullptr,
                                d.s.B, d.s.I, d.s.U));
  return out;
}

struct Grads {
  std::vector<float> dinp, dkernel, dbias;
};

// Gradients prefilled with `prefill`; `want` selects which are requested (bit 0 dinp,
// bit 1 dkernel, bit 2 dbias); the others are passed as NULL.
Grads backward(const kerno_backend* be, const Data& d, float prefill, int want = 7) {
  const Shape& s = d.s;
  Grads g{std::vector<float>(s.B * s.I, prefill), std::vector<float>(s.I * s.U, prefill),
          std::vector<float>(s.U, prefill)};
  KT_CHECK_OK(be->dense_backward(want & 1 ? g.dinp.data() : nullptr, want & 2 ? g.dkernel.data() : nullptr,
                                 want & 4 ? g.dbias.data() : nullptr, d.dout.data(), d.inp.data(), d.kernel.data(),
                                 s.B, s.I, s.U));
  return g;
}

// A requested gradient equals the all-requested result; a skipped one still holds its 0.25 prefill.
bool requested_or_untouched(bool requested, const std::vector<float>& got, const std::vector<float>& all) {
  if (requested) return got == all;
  return std::all_of(got.begin(), got.end(), [](float v) { return v == 0.25f; });
}

void check_against_f64(const kerno_backend* be, const Shape& s, uint32_t seed) {
  Data d = make_data(s, seed);
  for (bool with_bias : {true, false}) {
    std::vector<float> out = forward(be, d, with_bias);
    std::vector<double> want = forward64(d, with_bias);
    KT_ALL_CLOSE(label(be, s, with_bias ? "forward" : "forward, no bias").c_str(), out.data(), want.data(),
                 out.size(), sum_atol(s.I), kRtol);
  }
  Grads g = backward(be, d, 0.5f);
  Grads64 w = backward64(d, 0.5);
  KT_ALL_CLOSE(label(be, s, "dinp (+= 0.5)").c_str(), g.dinp.data(), w.dinp.data(), g.dinp.size(), sum_atol(s.U),
               kRtol);
  KT_ALL_CLOSE(label(be, s, "dkernel (+= 0.5)").c_str(), g.dkernel.data(), w.dkernel.data(), g.dkernel.size(),
               sum_atol(s.B), kRtol);
  KT_ALL_CLOSE(label(be, s, "dbias (+= 0.5)").c_str(), g.dbias.data(), w.dbias.data(), g.dbias.size(),
               sum_atol(s.B), kRtol);
}

}  // namespace

KERNO_TEST(dense_forward_backward_match_float64) {
  const int64_t small[] = {1, 7, 33};
  const Shape large[] = {{255, 1000, 33}, {33, 255, 1000}, {1000, 33, 255}, {1000, 1000, 10}};
  for (const kerno_backend* be : kt::backends()) {
    for (int64_t B : small)
      for (int64_t I : small)
        for (int64_t U : small) check_against_f64(be, {B, I, U}, static_cast<uint32_t>(B * 10000 + I * 100 + U));
    for (const Shape& s : large) check_against_f64(be, s, static_cast<uint32_t>(s.B + s.I + s.U));
  }
}

// Σ out·r is linear in each argument, so central differences (h = 1e-3, float64) are exact up
// to rounding (~1e-12); they check the float64 gradients (1e-9) and each backend's float32
// gradients with dout = r (sum tolerance of the contracted dimension).
KERNO_TEST(dense_backward_matches_finite_differences) {
  const int64_t sizes[] = {1, 7, 33};
  for (int64_t B : sizes)
    for (int64_t I : sizes)
      for (int64_t U : sizes) {
        Shape s{B, I, U};
        Data d = make_data(s, static_cast<uint32_t>(B + 3 * I + 5 * U));
        std::vector<double> inp(d.inp.begin(), d.inp.end()), ker(d.kernel.begin(), d.kernel.end()),
            bias(d.bias.begin(), d.bias.end());
        auto eval = [&] {
          double total = 0;
          for (int64_t b = 0; b < B; ++b)
            for (int64_t u = 0; u < U; ++u) {
              double acc = bias[u];
              for (int64_t i = 0; i < I; ++i) acc += inp[b * I + i] * ker[i * U + u];
              total += acc * d.dout[b * U + u];
            }
          return total;
        };
        std::vector<double> fd_inp = kt::finite_diff(inp, 1e-3, eval), fd_ker = kt::finite_diff(ker, 1e-3, eval),
                            fd_bias = kt::finite_diff(bias, 1e-3, eval);
        Grads64 w = backward64(d, 0.0);
        std::vector<float> wi(w.dinp.begin(), w.dinp.end()), wk(w.dkernel.begin(), w.dkernel.end()),
            wb(w.dbias.begin(), w.dbias.end());
        KT_ALL_CLOSE("float64 dinp vs finite differences", wi.data(), fd_inp.data(), wi.size(), 1e-6, 1e-6);
        KT_ALL_CLOSE("float64 dkernel vs finite differences", wk.data(), fd_ker.data(), wk.size(), 1e-6, 1e-6);
        KT_ALL_CLOSE("float64 dbias vs finite differences", wb.data(), fd_bias.data(), wb.size(), 1e-6, 1e-6);
        for (const kerno_backend* be : kt::backends()) {
          Grads g = backward(be, d, 0.f);
          KT_ALL_CLOSE(label(be, s, "dinp vs finite differences").c_str(), g.dinp.data(), fd_inp.data(),
                       g.dinp.size(), sum_atol(U), kRtol);
          KT_ALL_CLOSE(label(be, s, "dkernel vs finite differences").c_str(), g.dkernel.data(), fd_ker.data(),
                       g.dkernel.size(), sum_atol(B), kRtol);
          KT_ALL_CLOSE(label(be, s, "dbias vs finite differences").c_str(), g.dbias.data(), fd_bias.data(),
                       g.dbias.size(), sum_atol(B), kRtol);
        }
      }
}

// Each combination of requested gradients gives the same values for those requested and leaves
// the buffers of the others untouched (they are NULL in the call; their prefill stays).
KERNO_TEST(dense_backward_skips_null_gradients) {
  Shape s{7, 33, 7};
  Data d = make_data(s, 17u);
  for (const kerno_backend* be : kt::backends()) {
    Grads all = backward(be, d, 0.25f, 7);
    for (int want = 0; want < 8; ++want) {
      Grads g = backward(be, d, 0.25f, want);
      KT_CHECK(requested_or_untouched(want & 1, g.dinp, all.dinp) &&
                   requested_or_untouched(want & 2, g.dkernel, all.dkernel) &&
                   requested_or_untouched(want & 4, g.dbias, all.dbias),
               "%s: gradient mask %d", be->name, want);
    }
    // dbias alone needs neither inp nor kernel.
    std::vector<float> dbias(s.U, 0.f);
    KT_CHECK_OK(be->dense_backward(nullptr, nullptr, dbias.data(), d.dout.data(), nullptr, nullptr, s.B, s.I, s.U));
    KT_CHECK(dbias == backward(be, d, 0.f, 4).dbias, "%s: dbias without inp/kernel", be->name);
  }
}

// I = 0: out is the bias (or zeros) and only dbias receives a gradient; B = 0 or U = 0: no-ops.
KERNO_TEST(dense_empty_sizes) {
  for (const kerno_backend* be : kt::backends()) {
    std::vector<float> bias = {1.f, -2.f, 3.f}, out(6, NAN), dout = {1, 2, 3, 4, 5, 6}, dbias(3, 0.f);
    KT_CHECK_OK(be->dense_forward(out.data(), nullptr, nullptr, bias.data(), 2, 0, 3));
    KT_CHECK(out == std::vector<float>({1, -2, 3, 1, -2, 3}), "%s: I = 0 forward is not the bias", be->name);
    KT_CHECK_OK(be->dense_forward(out.data(), nullptr, nullptr, nullptr, 2, 0, 3));
    KT_CHECK(out == std::vector<float>(6, 0.f), "%s: I = 0 forward without bias is not zero", be->name);
    KT_CHECK_OK(be->dense_backward(nullptr, nullptr, dbias.data(), dout.data(), nullptr, nullptr, 2, 0, 3));
    KT_CHECK(dbias == std::vector<float>({5, 7, 9}), "%s: I = 0 dbias", be->name);
    KT_CHECK_OK(be->dense_forward(nullptr, nullptr, nullptr, nullptr, 0, 4, 3));
    KT_CHECK_OK(be->dense_forward(nullptr, nullptr, nullptr, nullptr, 2, 4, 0));
    KT_CHECK_OK(be->dense_backward(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0, 4, 3));
  }
}

KERNO_TEST(dense_rejects_bad_arguments) {
  float a[12] = {}, w[12] = {}, o[12] = {}, g[12] = {};
  const kerno_status bad = KERNO_ERR_INVALID_ARGUMENT;
  for (const kerno_backend* be : kt::backends()) {
    KT_CHECK(be->dense_forward(o, a, w, nullptr, -1, 2, 2) == bad, "%s: B < 0", be->name);
    KT_CHECK(be->dense_forward(o, a, w, nullptr, 2, -2, 2) == bad, "%s: I < 0", be->name);
    KT_CHECK(be->dense_forward(o, a, w, nullptr, 2, 2, -2) == bad, "%s: U < 0", be->name);
    KT_CHECK(be->dense_forward(nullptr, a, w, nullptr, 2, 2, 2) == bad, "%s: NULL out", be->name);
    KT_CHECK(be->dense_forward(o, nullptr, w, nullptr, 2, 2, 2) == bad, "%s: NULL inp", be->name);
    KT_CHECK(be->dense_forward(o, a, nullptr, nullptr, 2, 2, 2) == bad, "%s: NULL kernel", be->name);
    KT_CHECK(be->dense_backward(g, g, g, a, a, w, -1, 2, 2) == bad, "%s: backward B < 0", be->name);
    KT_CHECK(be->dense_backward(g, g, g, a, a, w, 2, 2, -1) == bad, "%s: backward U < 0", be->name);
    KT_CHECK(be->dense_backward(g, g, g, nullptr, a, w, 2, 2, 2) == bad, "%s: NULL dout", be->name);
    KT_CHECK(be->dense_backward(g, nullptr, nullptr, a, a, nullptr, 2, 2, 2) == bad, "%s: dinp without kernel",
             be->name);
    KT_CHECK(be->dense_backward(nullptr, g, nullptr, a, nullptr, w, 2, 2, 2) == bad, "%s: dkernel without inp",
             be->name);
  }
}

// The bias passes split rows (forward) or columns (dbias) over threads: dbias must be the same
// bits for any split. The forward also runs the GEMM, whose summation order may legitimately
// depend on the thread count, so it is held to the sum tolerance instead.
KERNO_TEST(dense_same_result_for_any_thread_count) {
  const int saved = kerno_get_num_threads();
  const Shape s{1000, 33, 255};
  Data d = make_data(s, 51u);
  for (const kerno_backend* be : kt::backends()) {
    KT_CHECK_OK(kerno_set_num_threads(1));
    std::vector<float> out1 = forward(be, d, true);
    std::vector<double> want(out1.begin(), out1.end());
    Grads g1 = backward(be, d, 0.5f);
    for (int nt : {3, 7}) {
      KT_CHECK_OK(kerno_set_num_threads(nt));
      std::vector<float> out = forward(be, d, true);
      KT_ALL_CLOSE(label(be, s, "forward with more threads").c_str(), out.data(), want.data(), out.size(),
                   sum_atol(s.I), kRtol);
      KT_CHECK(backward(be, d, 0.5f).dbias == g1.dbias, "%s: dbias with %d threads differs from 1", be->name, nt);
    }
  }
  KT_CHECK_OK(kerno_set_num_threads(saved));
}
