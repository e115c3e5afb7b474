// Conv2D tests: every host backend in the table against a float64 reference written here, and
// the backward kernels against central finite differences of Σ out·r, over a sample of odd
// shapes (conv_cases.h); the 1×1 GEMM path, many-tile and split-image tiling, += accumulation,
// parameter validation; Keras golden values (fixtures/keras_golden_conv.inc).
// B = batch, H, W = input spatial, C = input channels, OH, OW = output spatial, KH, KW = kernel
// spatial, K = filters; P = B·OH·OW, D = KH·KW·C.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "conv_cases.h"
#include "cpu/ops_conv.h"
#include "harness.h"

namespace {

using kt_conv::Case;

bool is_host(const kerno_backend* be) { return std::strncmp(be->name, "cuda", 4) != 0; }

// Random operands of one case; r plays dout (the weights of the objective Σ out·r).
struct Data {
  kerno_conv2d_params p;
  std::vector<float> inp, kernel, bias, r;
  size_t n_out() const { return static_cast<size_t>(p.B * p.OH * p.OW * p.K); }
};

Data make_data(const Case& c, uint32_t seed) {
  Data d;
  kt_conv::make_params(c, &d.p);
  const auto& p = d.p;
  d.inp = kt::random_vector(static_cast<size_t>(p.B * p.H * p.W * p.C), seed);
  d.kernel = kt::random_vector(static_cast<size_t>(p.KH * p.KW * p.C * p.K), seed + 1);
  d.bias = kt::random_vector(static_cast<size_t>(p.K), seed + 2);
  d.r = kt::random_vector(d.n_out(), seed + 3);
  return d;
}

// float64 results and, per element, Σ|terms| for the error bound.
struct Ref {
  std::vector<double> out, out_mag, dinp, dinp_mag, dk, dk_mag, db, db_mag;
};

// Calls tap(oi, xi, ki) for every (output, input, kernel) index triple that the conv multiplies.
template <class F>
void for_each_tap(const kerno_conv2d_params& p, F&& tap) {
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t oh = 0; oh < p.OH; ++oh)
      for (int64_t ow = 0; ow < p.OW; ++ow)
        for (int64_t kh = 0; kh < p.KH; ++kh)
          for (int64_t kw = 0; kw < p.KW; ++kw) {
            int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
            int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
            if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
            for (int64_t c = 0; c < p.C; ++c)
              for (int64_t k = 0; k < p.K; ++k)
                tap(((b * p.OH + oh) * p.OW + ow) * p.K + k, ((b * p.H + ih) * p.W + iw) * p.C + c,
                    ((kh * p.KW + kw) * p.C + c) * p.K + k, k);
          }
}

Ref reference(const Data& d) {
  const auto& p = d.p;
  Ref r;
  r.out.assign(d.n_out(), 0), r.out_mag.assign(d.n_out(), 0);
  r.dinp.assign(d.inp.size(), 0), r.dinp_mag.assign(d.inp.size(), 0);
  r.dk.assign(d.kernel.size(), 0), r.dk_mag.assign(d.kernel.size(), 0);
  r.db.assign(d.bias.size(), 0), r.db_mag.assign(d.bias.size(), 0);
  for (size_t o = 0; o < d.n_out(); ++o) {
    size_t k = o % static_cast<size_t>(p.K);
    r.out[o] = d.bias[k], r.out_mag[o] = std::fabs(d.bias[k]);
    r.db[k] += d.r[o], r.db_mag[k] += std::fabs(d.r[o]);
  }
  for_each_tap(p, [&](int64_t o, int64_t x, int64_t w, int64_t) {
    double xv = d.inp[x], wv = d.kernel[w], g = d.r[o];
    r.out[o] += xv * wv, r.out_mag[o] += std::fabs(xv * wv);
    r.dinp[x] += g * wv, r.dinp_mag[x] += std::fabs(g * wv);
    r.dk[w] += g * xv, r.dk_mag[w] += std::fabs(g * xv);
  });
  return r;
}

// Σ out·r in float64 for the given operands.
double objective(const kerno_conv2d_params& p, const std::vector<double>& inp, const std::vector<double>& kernel,
                 const std::vector<double>& bias, const std::vector<float>& r) {
  double f = 0;
  for (size_t o = 0; o < r.size(); ++o) f += bias[o % static_cast<size_t>(p.K)] * r[o];
  for_each_tap(p, [&](int64_t o, int64_t x, int64_t w, int64_t) { f += inp[x] * kernel[w] * r[o]; });
  return f;
}

// Central differences at a spread of indices of each operand (f is bilinear, so h = 1 is exact
// up to rounding).
struct Fd {
  std::vector<size_t> ix, ik, ib;
  std::vector<double> gx, gk, gb;
};

Fd finite_differences(const Data& d) {
  std::vector<double> x = kt_conv::to_double(d.inp), k = kt_conv::to_double(d.kernel), b = kt_conv::to_double(d.bias);
  auto eval = [&] { return objective(d.p, x, k, b, d.r); };
  auto diff = [&](std::vector<double>& v, const std::vector<size_t>& idx) {
    std::vector<double> g;
    for (size_t i : idx) {
      double keep = v[i];
      v[i] = keep + 1, g.push_back(eval());
      v[i] = keep - 1, g.back() = (g.back() - eval()) / 2;
      v[i] = keep;
    }
    return g;
  };
  Fd fd;
  fd.ix = kt_conv::spread(x.size(), 16), fd.ik = kt_conv::spread(k.size(), 16), fd.ib = kt_conv::spread(b.size(), 8);
  fd.gx = diff(x, fd.ix), fd.gk = diff(k, fd.ik), fd.gb = diff(b, fd.ib);
  return fd;
}

double max_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

// got[idx] against init[idx] + want, the finite-difference gradient at those indices.
void check_fd(const char* what, const std::vector<float>& got, const std::vector<float>& init,
              const std::vector<size_t>& idx, const std::vector<double>& grad, double atol) {
  std::vector<float> g;
  std::vector<double> w;
  for (size_t j = 0; j < idx.size(); ++j) g.push_back(got[idx[j]]), w.push_back(init[idx[j]] + grad[j]);
  KT_ALL_CLOSE(what, g.data(), w.data(), g.size(), atol, 0);
}

// The float32 kernels of one backend against the float64 reference and (when given) the finite
// differences. Gradients start from random values so that += is checked, not assumed.
void check_backend(const kerno_backend* be, const Case& c, const Data& d, const Ref& ref, const Fd* fd) {
  const auto& p = d.p;
  std::string what = kt_conv::describe(be->name, c);
  std::vector<float> out(d.n_out(), std::numeric_limits<float>::quiet_NaN());  // must be overwritten
  KT_CHECK_OK(be->conv2d_forward(out.data(), d.inp.data(), d.kernel.data(), d.bias.data(), &p));
  KT_ALL_CLOSE((what + " forward").c_str(), out.data(), ref.out.data(), out.size(),
               kt_conv::bound(p.KH * p.KW * p.C + 1, max_of(ref.out_mag)), 0);

  std::vector<float> dinp0 = kt::random_vector(d.inp.size(), 77), dinp = dinp0;
  KT_CHECK_OK(be->conv2d_backward_data(dinp.data(), d.r.data(), d.kernel.data(), &p));
  std::vector<double> want(dinp.size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = dinp0[i] + ref.dinp[i];
  double atol_x = kt_conv::bound(p.KH * p.KW * p.K, max_of(ref.dinp_mag) + 1);
  KT_ALL_CLOSE((what + " dinp").c_str(), dinp.data(), want.data(), want.size(), atol_x, 0);

  std::vector<float> dk0 = kt::random_vector(d.kernel.size(), 78), dk = dk0;
  std::vector<float> db0 = kt::random_vector(d.bias.size(), 79), db = db0;
  KT_CHECK_OK(be->conv2d_backward_filter(dk.data(), db.data(), d.r.data(), d.inp.data(), &p));
  want.resize(dk.size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = dk0[i] + ref.dk[i];
  double atol_k = kt_conv::bound(p.B * p.OH * p.OW, max_of(ref.dk_mag) + 1);
  KT_ALL_CLOSE((what + " dkernel").c_str(), dk.data(), want.data(), want.size(), atol_k, 0);
  want.resize(db.size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = db0[i] + ref.db[i];
  double atol_b = kt_conv::bound(p.B * p.OH * p.OW, max_of(ref.db_mag) + 1);
  KT_ALL_CLOSE((what + " dbias").c_str(), db.data(), want.data(), want.size(), atol_b, 0);

  if (!fd) return;
  check_fd((what + " dinp vs finite differences").c_str(), dinp, dinp0, fd->ix, fd->gx, atol_x);
  check_fd((what + " dkernel vs finite differences").c_str(), dk, dk0, fd->ik, fd->gk, atol_k);
  check_fd((what + " dbias vs finite differences").c_str(), db, db0, fd->ib, fd->gb, atol_b);
}

// The float64 adjoint above must itself match the finite differences (to rounding), or the
// comparisons against it would prove nothing.
void check_reference_adjoint(const Case& c, const Ref& ref, const Fd& fd) {
  auto close = [&](const char* what, const std::vector<double>& g, const std::vector<size_t>& idx,
                   const std::vector<double>& want, const std::vector<double>& mag) {
    for (size_t j = 0; j < idx.size(); ++j)
      KT_CHECK(std::fabs(g[idx[j]] - want[j]) <= 1e-9 * (1 + mag[idx[j]]), "%s: reference %s [%zu] %.12g vs fd %.12g",
               kt_conv::describe("float64", c).c_str(), what, idx[j], g[idx[j]], want[j]);
  };
  close("dinp", ref.dinp, fd.ix, fd.gx, ref.dinp_mag);
  close("dkernel", ref.dk, fd.ik, fd.gk, ref.dk_mag);
  close("dbias", ref.db, fd.ib, fd.gb, ref.db_mag);
}

void run_case(const Case& c, uint32_t seed, bool with_fd) {
  Data d = make_data(c, seed);
  Ref ref = reference(d);
  Fd fd;
  if (with_fd) {
    fd = finite_differences(d);
    check_reference_adjoint(c, ref, fd);
  }
  for (const kerno_backend* be : kt::backends())
    if (is_host(be) && be->conv2d_forward) check_backend(be, c, d, ref, with_fd ? &fd : nullptr);
}

}  // namespace

KERNO_TEST(conv2d_sampled_shapes) {
  uint32_t seed = 100;
  for (const Case& c : kt_conv::sampled(7, 40, {1, 8})) run_case(c, seed++, true);
}

// Shapes the sample may miss: the 1×1 GEMM path, the reference CNN's layers, a 1×1 input under
// 'same', strides larger than the kernel (input rows never read), and a zero batch.
KERNO_TEST(conv2d_edge_shapes) {
  const Case cases[] = {
      {3, 5, 4, 17, 8, 1, 1, 1, 1, 1, 1, false},   // pointwise: a plain GEMM
      {2, 5, 4, 3, 8, 1, 1, 1, 1, 2, 2, true},     // pointwise, dilation irrelevant
      {2, 28, 28, 1, 8, 3, 3, 1, 1, 1, 1, false},  // reference CNN layer 1 (fewer filters)
      {2, 13, 13, 32, 16, 3, 3, 1, 1, 1, 1, false},
      {2, 1, 1, 3, 8, 3, 3, 1, 1, 1, 1, true},
      {2, 6, 7, 3, 8, 1, 1, 3, 2, 1, 1, false},    // stride > kernel: rows/columns skipped
      {1, 6, 6, 2, 3, 1, 1, 2, 2, 1, 1, true},     // 1×1 strided: im2col path, not the GEMM one
      {2, 9, 8, 5, 8, 3, 3, 2, 2, 2, 2, true},
      // The AVX2 direct kernels (D < 32, K % 8 == 0): 32 filters in one pass, 40 = 32 + 8, 24,
      // 'same' borders, strides, dilations, a row D = 27 and a partial pixel group.
      {2, 28, 28, 1, 32, 3, 3, 1, 1, 1, 1, false},
      {2, 9, 8, 3, 40, 3, 3, 2, 1, 1, 2, true},
      {3, 7, 7, 2, 24, 3, 3, 1, 1, 1, 1, true},
      {2, 5, 6, 1, 16, 5, 2, 1, 2, 2, 1, true},
      {1, 4, 4, 1, 64, 2, 2, 3, 3, 1, 1, false},
  };
  uint32_t seed = 500;
  for (const Case& c : cases) run_case(c, seed++, true);
  kerno_conv2d_params p;
  kt_conv::make_params({0, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, true}, &p);
  for (const kerno_backend* be : kt::backends())
    if (is_host(be) && be->conv2d_forward) {
      KT_CHECK_OK(be->conv2d_forward(nullptr, nullptr, nullptr, nullptr, &p));
      KT_CHECK_OK(be->conv2d_backward_data(nullptr, nullptr, nullptr, &p));
      KT_CHECK_OK(be->conv2d_backward_filter(nullptr, nullptr, nullptr, nullptr, &p));
    }
}

// 300 small images: with the default 4 MiB budget the im2col runs in several tiles.
KERNO_TEST(conv2d_large_batch_tiles) {
  Case c{300, 7, 7, 17, 8, 3, 3, 1, 1, 1, 1, true};
  kerno_conv2d_params p;
  kt_conv::make_params(c, &p);
  KT_CHECK(kerno::conv2d_scratch_floats(&p) < static_cast<size_t>(p.B * p.OH * p.OW * p.KH * p.KW * p.C),
           "expected more than one tile");
  run_case(c, 900, false);
}

// A tiny budget makes tiles that end mid-row and mid-image, which col2im must fold back exactly.
KERNO_TEST(conv2d_split_image_tiles) {
  kerno::conv2d_set_scratch_budget(300);
  const Case cases[] = {
      {3, 7, 6, 5, 4, 3, 3, 1, 1, 1, 1, true},
      {2, 9, 8, 3, 8, 5, 2, 2, 1, 1, 2, true},
      {2, 5, 5, 17, 8, 3, 3, 1, 1, 1, 1, false},  // D = 153: one pixel per tile
  };
  uint32_t seed = 950;
  for (const Case& c : cases) run_case(c, seed++, false);
  kerno::conv2d_set_scratch_budget(0);
}

// dbias NULL is allowed and leaves the other gradient unchanged.
KERNO_TEST(conv2d_null_bias) {
  Case c{2, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, true};
  Data d = make_data(c, 42);
  Ref ref = reference(d);
  for (const kerno_backend* be : kt::backends()) {
    if (!is_host(be) || !be->conv2d_forward) continue;
    std::vector<float> out(d.n_out()), dk(d.kernel.size(), 0.f);
    KT_CHECK_OK(be->conv2d_forward(out.data(), d.inp.data(), d.kernel.data(), nullptr, &d.p));
    std::vector<double> want(out.size());
    for (size_t i = 0; i < want.size(); ++i) want[i] = ref.out[i] - d.bias[i % static_cast<size_t>(d.p.K)];
    KT_ALL_CLOSE(be->name, out.data(), want.data(), want.size(), kt_conv::bound(28, max_of(ref.out_mag)), 0);
    KT_CHECK_OK(be->conv2d_backward_filter(dk.data(), nullptr, d.r.data(), d.inp.data(), &d.p));
    KT_ALL_CLOSE(be->name, dk.data(), ref.dk.data(), dk.size(), kt_conv::bound(50, max_of(ref.dk_mag)), 0);
  }
}

KERNO_TEST(conv2d_invalid_params) {
  kerno_conv2d_params good;
  kt_conv::make_params({2, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, true}, &good);
  std::vector<kerno_conv2d_params> bad;
  auto with = [&](auto edit) {
    kerno_conv2d_params p = good;
    edit(p);
    bad.push_back(p);
  };
  with([](kerno_conv2d_params& p) { p.K = 0; });
  with([](kerno_conv2d_params& p) { p.C = -1; });
  with([](kerno_conv2d_params& p) { p.B = -1; });
  with([](kerno_conv2d_params& p) { p.stride_h = 0; });
  with([](kerno_conv2d_params& p) { p.dilation_w = 0; });
  with([](kerno_conv2d_params& p) { p.KW = 0; });
  with([](kerno_conv2d_params& p) { p.pad_top = -1; });
  with([](kerno_conv2d_params& p) { p.pad_left = 3; });  // first window entirely in the padding
  with([](kerno_conv2d_params& p) { p.OH = 7; });        // last window starts in the padding
  with([](kerno_conv2d_params& p) { p.OW = 0; });
  with([](kerno_conv2d_params& p) { p.OH = 2, p.pad_top = 0; });  // 'valid' needs 3 rows here
  with([](kerno_conv2d_params& p) { p.H = int64_t{1} << 40; });
  std::vector<float> buf(4096, 0.f);
  float* f = buf.data();
  for (const kerno_backend* be : kt::backends()) {
    if (!is_host(be) || !be->conv2d_forward) continue;
    for (size_t i = 0; i < bad.size(); ++i) {
      const kerno_conv2d_params* p = &bad[i];
      KT_CHECK(be->conv2d_forward(f, f, f, f, p) == KERNO_ERR_INVALID_ARGUMENT, "%s forward case %zu", be->name, i);
      KT_CHECK(be->conv2d_backward_data(f, f, f, p) == KERNO_ERR_INVALID_ARGUMENT, "%s data case %zu", be->name, i);
      KT_CHECK(be->conv2d_backward_filter(f, f, f, f, p) == KERNO_ERR_INVALID_ARGUMENT, "%s filter case %zu",
               be->name, i);
    }
    KT_CHECK(be->conv2d_forward(f, f, f, f, nullptr) == KERNO_ERR_INVALID_ARGUMENT, "%s null params", be->name);
    KT_CHECK(be->conv2d_forward(nullptr, f, f, f, &good) == KERNO_ERR_INVALID_ARGUMENT, "%s null out", be->name);
    KT_CHECK(be->conv2d_backward_data(f, nullptr, f, &good) == KERNO_ERR_INVALID_ARGUMENT, "%s null dout", be->name);
    KT_CHECK(be->conv2d_backward_filter(nullptr, f, f, f, &good) == KERNO_ERR_INVALID_ARGUMENT, "%s null dkernel",
             be->name);
  }
}

#include "fixtures/keras_golden_conv.inc"

// Keras 3.15 / TensorFlow 2.21 Conv2D outputs and gradients (scripts/fixtures/make_conv_golden.py).
// Both sides are float32 dot products of ≤ 60 terms of magnitude ≤ 1 in different orders, so they
// differ by a few ulps of the partial sums: atol 2e-5 + rtol 1e-5 holds with margin, while a
// misplaced pad or tap changes results by ≥ 1e-3.
KERNO_TEST(conv2d_keras_golden) {
  for (const auto& g : kerno_golden::kConvGolden) {
    if (g.depthwise) continue;
    const kerno_conv2d_params& p = g.p;
    size_t nx = static_cast<size_t>(p.B * p.H * p.W * p.C), nk = static_cast<size_t>(p.KH * p.KW * p.C * p.K);
    size_t no = static_cast<size_t>(p.B * p.OH * p.OW * p.K), nb = static_cast<size_t>(p.K);
    auto dbl = [](const float* v, size_t n) { return std::vector<double>(v, v + n); };
    for (const kerno_backend* be : kt::backends()) {
      if (!is_host(be) || !be->conv2d_forward) continue;
      std::string what = std::string(be->name) + " " + g.name;
      std::vector<float> out(no), dx(nx, 0.f), dk(nk, 0.f), db(nb, 0.f);
      KT_CHECK_OK(be->conv2d_forward(out.data(), g.x, g.kernel, g.bias, &p));
      KT_CHECK_OK(be->conv2d_backward_data(dx.data(), g.r, g.kernel, &p));
      KT_CHECK_OK(be->conv2d_backward_filter(dk.data(), db.data(), g.r, g.x, &p));
      KT_ALL_CLOSE((what + " out").c_str(), out.data(), dbl(g.out, no).data(), no, 2e-5, 1e-5);
      KT_ALL_CLOSE((what + " dx").c_str(), dx.data(), dbl(g.dx, nx).data(), nx, 2e-5, 1e-5);
      KT_ALL_CLOSE((what + " dkernel").c_str(), dk.data(), dbl(g.dkernel, nk).data(), nk, 2e-5, 1e-5);
      KT_ALL_CLOSE((what + " dbias").c_str(), db.data(), dbl(g.dbias, nb).data(), nb, 2e-5, 1e-5);
    }
  }
}
