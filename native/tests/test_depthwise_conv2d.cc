// DepthwiseConv2D tests: every host backend against a float64 reference written here and the
// backward kernel against central finite differences of Σ out·r, over a sample of odd shapes
// (conv_cases.h) and depth multipliers 1–3; += accumulation, NULL gradients, invalid params;
// Keras golden values (fixtures/keras_golden_conv.inc).
// B = batch, H, W = input spatial, C = input channels, M = depth multiplier (params K),
// CM = C·M output channels, OH, OW = output spatial, KH, KW = kernel spatial.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "conv_cases.h"
#include "harness.h"
#include "runtime/float_mode.h"

namespace {

using kt_conv::Case;

bool is_host(const kerno_backend* be) { return std::strncmp(be->name, "cuda", 4) != 0; }

struct Data {
  kerno_conv2d_params p;
  std::vector<float> inp, kernel, bias, r;  // r plays dout (B,OH,OW,CM)
  int64_t CM() const { return p.C * p.K; }
  size_t n_out() const { return static_cast<size_t>(p.B * p.OH * p.OW * CM()); }
};

Data make_data(const Case& c, uint32_t seed) {
  Data d;
  kt_conv::make_params(c, &d.p);
  const auto& p = d.p;
  d.inp = kt::random_vector(static_cast<size_t>(p.B * p.H * p.W * p.C), seed);
  d.kernel = kt::random_vector(static_cast<size_t>(p.KH * p.KW * d.CM()), seed + 1);
  d.bias = kt::random_vector(static_cast<size_t>(d.CM()), seed + 2);
  d.r = kt::random_vector(d.n_out(), seed + 3);
  return d;
}

// Calls tap(oi, xi, ki) for every (output, input, kernel) index triple the depthwise conv multiplies.
template <class F>
void for_each_tap(const kerno_conv2d_params& p, F&& tap) {
  int64_t M = p.K, CM = p.C * p.K;
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t oh = 0; oh < p.OH; ++oh)
      for (int64_t ow = 0; ow < p.OW; ++ow)
        for (int64_t kh = 0; kh < p.KH; ++kh)
          for (int64_t kw = 0; kw < p.KW; ++kw) {
            int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
            int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
            if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
            for (int64_t c = 0; c < p.C; ++c)
              for (int64_t m = 0; m < M; ++m)
                tap(((b * p.OH + oh) * p.OW + ow) * CM + c * M + m, ((b * p.H + ih) * p.W + iw) * p.C + c,
                    (kh * p.KW + kw) * CM + c * M + m);
          }
}

struct Ref {
  std::vector<double> out, out_mag, dinp, dinp_mag, dk, dk_mag, db, db_mag;
};

Ref reference(const Data& d) {
  Ref r;
  r.out.assign(d.n_out(), 0), r.out_mag.assign(d.n_out(), 0);
  r.dinp.assign(d.inp.size(), 0), r.dinp_mag.assign(d.inp.size(), 0);
  r.dk.assign(d.kernel.size(), 0), r.dk_mag.assign(d.kernel.size(), 0);
  r.db.assign(d.bias.size(), 0), r.db_mag.assign(d.bias.size(), 0);
  for (size_t o = 0; o < d.n_out(); ++o) {
    size_t j = o % static_cast<size_t>(d.CM());
    r.out[o] = d.bias[j], r.out_mag[o] = std::fabs(d.bias[j]);
    r.db[j] += d.r[o], r.db_mag[j] += std::fabs(d.r[o]);
  }
  for_each_tap(d.p, [&](int64_t o, int64_t x, int64_t w) {
    double xv = d.inp[x], wv = d.kernel[w], g = d.r[o];
    r.out[o] += xv * wv, r.out_mag[o] += std::fabs(xv * wv);
    r.dinp[x] += g * wv, r.dinp_mag[x] += std::fabs(g * wv);
    r.dk[w] += g * xv, r.dk_mag[w] += std::fabs(g * xv);
  });
  return r;
}

double max_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

// Central differences of Σ out·r (float64 forward) at a spread of indices; f is bilinear, so
// h = 1 is exact up to rounding.
std::vector<double> fd_at(const Data& d, std::vector<double>& v, const std::vector<size_t>& idx,
                          std::vector<double>& x, std::vector<double>& k, std::vector<double>& b) {
  auto eval = [&] {
    double f = 0;
    for (size_t o = 0; o < d.r.size(); ++o) f += b[o % static_cast<size_t>(d.CM())] * d.r[o];
    for_each_tap(d.p, [&](int64_t o, int64_t xi, int64_t ki) { f += x[xi] * k[ki] * d.r[o]; });
    return f;
  };
  std::vector<double> g;
  for (size_t i : idx) {
    double keep = v[i];
    v[i] = keep + 1;
    double fp = eval();
    v[i] = keep - 1;
    g.push_back((fp - eval()) / 2);
    v[i] = keep;
  }
  return g;
}

// got at idx against init + grad; also the float64 adjoint against the same differences.
void check_fd(const std::string& what, const std::vector<float>& got, const std::vector<float>& init,
              const std::vector<double>& adj, const std::vector<double>& mag, const std::vector<size_t>& idx,
              const std::vector<double>& grad, double atol) {
  std::vector<float> g;
  std::vector<double> w;
  for (size_t j = 0; j < idx.size(); ++j) {
    g.push_back(got[idx[j]]), w.push_back(init[idx[j]] + grad[j]);
    KT_CHECK(std::fabs(adj[idx[j]] - grad[j]) <= 1e-9 * (1 + mag[idx[j]]), "%s: float64 adjoint [%zu] %.12g vs fd %.12g",
             what.c_str(), idx[j], adj[idx[j]], grad[j]);
  }
  KT_ALL_CLOSE(what.c_str(), g.data(), w.data(), g.size(), atol, 0);
}

void run_case(const Case& c, uint32_t seed, bool with_fd) {
  Data d = make_data(c, seed);
  const auto& p = d.p;
  Ref ref = reference(d);
  std::vector<double> x = kt_conv::to_double(d.inp), k = kt_conv::to_double(d.kernel), b = kt_conv::to_double(d.bias);
  std::vector<size_t> ix = kt_conv::spread(x.size(), 16), ik = kt_conv::spread(k.size(), 16),
                      ib = kt_conv::spread(b.size(), 8);
  std::vector<double> gx, gk, gb;
  if (with_fd) gx = fd_at(d, x, ix, x, k, b), gk = fd_at(d, k, ik, x, k, b), gb = fd_at(d, b, ib, x, k, b);
  int64_t P = p.B * p.OH * p.OW;
  double atol_o = kt_conv::bound(p.KH * p.KW + 1, max_of(ref.out_mag));
  double atol_x = kt_conv::bound(p.KH * p.KW * p.K, max_of(ref.dinp_mag) + 1);
  double atol_k = kt_conv::bound(P, max_of(ref.dk_mag) + 1), atol_b = kt_conv::bound(P, max_of(ref.db_mag) + 1);
  for (const kerno_backend* be : kt::backends()) {
    if (!is_host(be) || !be->depthwise_conv2d_forward) continue;
    std::string what = kt_conv::describe(be->name, c);
    std::vector<float> out(d.n_out(), std::numeric_limits<float>::quiet_NaN());
    KT_CHECK_OK(be->depthwise_conv2d_forward(out.data(), d.inp.data(), d.kernel.data(), d.bias.data(), &p));
    KT_ALL_CLOSE((what + " forward").c_str(), out.data(), ref.out.data(), out.size(), atol_o, 0);
    std::vector<float> dx0 = kt::random_vector(x.size(), 61), dk0 = kt::random_vector(k.size(), 62),
                       db0 = kt::random_vector(b.size(), 63);
    std::vector<float> dx = dx0, dk = dk0, db = db0;
    KT_CHECK_OK(be->depthwise_conv2d_backward(dx.data(), dk.data(), db.data(), d.r.data(), d.inp.data(),
                                              d.kernel.data(), &p));
    auto plus = [](const std::vector<float>& a, const std::vector<double>& g) {
      std::vector<double> s(a.size());
      for (size_t i = 0; i < a.size(); ++i) s[i] = a[i] + g[i];
      return s;
    };
    KT_ALL_CLOSE((what + " dinp").c_str(), dx.data(), plus(dx0, ref.dinp).data(), dx.size(), atol_x, 0);
    KT_ALL_CLOSE((what + " dkernel").c_str(), dk.data(), plus(dk0, ref.dk).data(), dk.size(), atol_k, 0);
    KT_ALL_CLOSE((what + " dbias").c_str(), db.data(), plus(db0, ref.db).data(), db.size(), atol_b, 0);
    if (!with_fd) continue;
    check_fd(what + " dinp vs fd", dx, dx0, ref.dinp, ref.dinp_mag, ix, gx, atol_x);
    check_fd(what + " dkernel vs fd", dk, dk0, ref.dk, ref.dk_mag, ik, gk, atol_k);
    check_fd(what + " dbias vs fd", db, db0, ref.db, ref.db_mag, ib, gb, atol_b);
  }
}

}  // namespace

KERNO_TEST(depthwise_conv2d_sampled_shapes) {
  uint32_t seed = 300;
  for (const Case& c : kt_conv::sampled(11, 40, {1, 2, 3})) run_case(c, seed++, true);
}

KERNO_TEST(depthwise_conv2d_edge_shapes) {
  const Case cases[] = {
      {2, 28, 28, 1, 1, 3, 3, 1, 1, 1, 1, false},
      {2, 1, 1, 3, 2, 3, 3, 1, 1, 1, 1, true},
      {2, 6, 7, 3, 2, 1, 1, 3, 2, 1, 1, false},   // stride > kernel
      {2, 9, 8, 16, 1, 3, 3, 2, 2, 2, 2, true},   // a vector-width channel count
      {64, 7, 7, 17, 2, 3, 3, 1, 1, 1, 1, true},  // enough rows for every thread
  };
  uint32_t seed = 700;
  for (const Case& c : cases) run_case(c, seed++, c.B < 64);
}

// Any of dinp, dkernel, dbias may be NULL; the others are still accumulated.
KERNO_TEST(depthwise_conv2d_null_gradients) {
  Case c{2, 5, 6, 3, 2, 3, 3, 1, 1, 1, 1, true};
  Data d = make_data(c, 31);
  Ref ref = reference(d);
  for (const kerno_backend* be : kt::backends()) {
    if (!is_host(be) || !be->depthwise_conv2d_backward) continue;
    std::vector<float> dx(d.inp.size(), 0.f), dk(d.kernel.size(), 0.f), db(d.bias.size(), 0.f);
    KT_CHECK_OK(be->depthwise_conv2d_backward(dx.data(), nullptr, nullptr, d.r.data(), nullptr, d.kernel.data(), &d.p));
    KT_CHECK_OK(be->depthwise_conv2d_backward(nullptr, dk.data(), nullptr, d.r.data(), d.inp.data(), nullptr, &d.p));
    KT_CHECK_OK(be->depthwise_conv2d_backward(nullptr, nullptr, db.data(), d.r.data(), nullptr, nullptr, &d.p));
    KT_ALL_CLOSE(be->name, dx.data(), ref.dinp.data(), dx.size(), kt_conv::bound(20, max_of(ref.dinp_mag)), 0);
    KT_ALL_CLOSE(be->name, dk.data(), ref.dk.data(), dk.size(), kt_conv::bound(64, max_of(ref.dk_mag)), 0);
    KT_ALL_CLOSE(be->name, db.data(), ref.db.data(), db.size(), kt_conv::bound(64, max_of(ref.db_mag)), 0);
    std::vector<float> out(d.n_out());
    KT_CHECK_OK(be->depthwise_conv2d_forward(out.data(), d.inp.data(), d.kernel.data(), nullptr, &d.p));
    std::vector<double> want(out.size());
    for (size_t i = 0; i < want.size(); ++i) want[i] = ref.out[i] - d.bias[i % d.bias.size()];
    KT_ALL_CLOSE(be->name, out.data(), want.data(), want.size(), kt_conv::bound(10, max_of(ref.out_mag)), 0);
  }
}

KERNO_TEST(depthwise_conv2d_invalid_params) {
  kerno_conv2d_params good;
  kt_conv::make_params({2, 5, 5, 3, 2, 3, 3, 1, 1, 1, 1, true}, &good);
  std::vector<kerno_conv2d_params> bad(6, good);
  bad[0].K = 0, bad[1].stride_w = -1, bad[2].OH = 9, bad[3].pad_top = 5, bad[4].dilation_h = 0, bad[5].OW = 1;
  std::vector<float> buf(4096, 0.f);
  float* f = buf.data();
  for (const kerno_backend* be : kt::backends()) {
    if (!is_host(be) || !be->depthwise_conv2d_forward) continue;
    for (size_t i = 0; i < bad.size(); ++i) {
      KT_CHECK(be->depthwise_conv2d_forward(f, f, f, f, &bad[i]) == KERNO_ERR_INVALID_ARGUMENT, "%s fwd %zu",
               be->name, i);
      KT_CHECK(be->depthwise_conv2d_backward(f, f, f, f, f, f, &bad[i]) == KERNO_ERR_INVALID_ARGUMENT, "%s bwd %zu",
               be->name, i);
    }
    KT_CHECK(be->depthwise_conv2d_forward(f, nullptr, f, f, &good) == KERNO_ERR_INVALID_ARGUMENT, "%s null inp",
             be->name);
    KT_CHECK(be->depthwise_conv2d_backward(f, f, f, nullptr, f, f, &good) == KERNO_ERR_INVALID_ARGUMENT,
             "%s null dout", be->name);
    KT_CHECK(be->depthwise_conv2d_backward(f, nullptr, nullptr, f, f, nullptr, &good) == KERNO_ERR_INVALID_ARGUMENT,
             "%s dinp without kernel", be->name);
  }
}

// The fused activation of depthwise_conv2d_forward, every kind, with depth multipliers 1 and 3:
// bit-for-bit the unfused forward followed by the backend's activation_forward, and within the
// bound of the float64 conv through a float64 activation. Unknown kinds are refused by forward.
KERNO_TEST(depthwise_conv2d_fused_activation) {
  kerno::FlushDenormals ftz;  // as the binding and the pool's workers run kernels
  const Case cases[] = {
      {2, 9, 8, 17, 1, 3, 3, 1, 1, 1, 1, true},
      {2, 7, 6, 3, 3, 5, 2, 2, 1, 1, 2, false},
  };
  uint32_t seed = 1400;
  for (const Case& c : cases) {
    Data d = make_data(c, seed++);
    Ref ref = reference(d);
    const size_t n = d.n_out();
    const double conv_atol = kt_conv::bound(d.p.KH * d.p.KW + 1, max_of(ref.out_mag));
    for (const kerno_backend* be : kt::backends()) {
      if (!is_host(be) || !be->depthwise_conv2d_forward) continue;
      for (const kt_conv::Act& a : kt_conv::activations()) {
        std::string what = kt_conv::describe(be->name, c) + " " + a.name;
        kerno_conv2d_params p = d.p;
        p.act = {a.kind, a.alpha};
        std::vector<float> fused(n, std::numeric_limits<float>::quiet_NaN()), plain(n);
        KT_CHECK_OK(be->depthwise_conv2d_forward(fused.data(), d.inp.data(), d.kernel.data(), d.bias.data(), &p));
        KT_CHECK_OK(be->depthwise_conv2d_forward(plain.data(), d.inp.data(), d.kernel.data(), d.bias.data(), &d.p));
        KT_CHECK_OK(be->activation_forward(plain.data(), plain.data(), static_cast<int64_t>(n), &p.act));
        KT_CHECK(std::memcmp(fused.data(), plain.data(), n * sizeof(float)) == 0,
                 "%s: fused output differs from depthwise conv + activation_forward", what.c_str());
        std::vector<double> want(n);
        for (size_t i = 0; i < n; ++i) want[i] = kt_conv::act64(a, ref.out[i]);
        KT_ALL_CLOSE(what.c_str(), fused.data(), want.data(), n, kt_conv::kActSlope * conv_atol + kt_conv::kActAtol,
                     kt_conv::kActRtol);
      }
      kerno_conv2d_params q = d.p;
      q.act.kind = KERNO_ACT_SILU + 1;
      std::vector<float> out(n);
      KT_CHECK(be->depthwise_conv2d_forward(out.data(), d.inp.data(), d.kernel.data(), nullptr, &q) ==
                   KERNO_ERR_INVALID_ARGUMENT, "%s: unknown activation kind accepted", be->name);
    }
  }
}

#include "fixtures/keras_golden_conv.inc"

// Keras 3.15 / TensorFlow 2.21 DepthwiseConv2D outputs and gradients
// (scripts/fixtures/make_conv_golden.py). Float32 sums of ≤ 60 terms of magnitude ≤ 1 in
// different orders: atol 2e-5 + rtol 1e-5 holds with margin; a wrong tap moves results ≥ 1e-3.
KERNO_TEST(depthwise_conv2d_keras_golden) {
  for (const auto& g : kerno_golden::kConvGolden) {
    if (!g.depthwise) continue;
    const kerno_conv2d_params& p = g.p;
    size_t cm = static_cast<size_t>(p.C * p.K), nx = static_cast<size_t>(p.B * p.H * p.W * p.C);
    size_t nk = static_cast<size_t>(p.KH * p.KW) * cm, no = static_cast<size_t>(p.B * p.OH * p.OW) * cm;
    auto dbl = [](const float* v, size_t n) { return std::vector<double>(v, v + n); };
    for (const kerno_backend* be : kt::backends()) {
      if (!is_host(be) || !be->depthwise_conv2d_forward) continue;
      std::string what = std::string(be->name) + " " + g.name;
      std::vector<float> out(no), dx(nx, 0.f), dk(nk, 0.f), db(cm, 0.f);
      KT_CHECK_OK(be->depthwise_conv2d_forward(out.data(), g.x, g.kernel, g.bias, &p));
      KT_CHECK_OK(be->depthwise_conv2d_backward(dx.data(), dk.data(), db.data(), g.r, g.x, g.kernel, &p));
      KT_ALL_CLOSE((what + " out").c_str(), out.data(), dbl(g.out, no).data(), no, 2e-5, 1e-5);
      KT_ALL_CLOSE((what + " dx").c_str(), dx.data(), dbl(g.dx, nx).data(), nx, 2e-5, 1e-5);
      KT_ALL_CLOSE((what + " dkernel").c_str(), dk.data(), dbl(g.dkernel, nk).data(), nk, 2e-5, 1e-5);
      KT_ALL_CLOSE((what + " dbias").c_str(), db.data(), dbl(g.dbias, cm).data(), cm, 2e-5, 1e-5);
    }
  }
}
