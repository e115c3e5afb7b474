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
#include "runtime/float_mode.h"

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

// Rows of D ≥ 32 have several paths on AVX2 backends for forward and, at stride 1 with C % 8 == 0,
// for backward-data (im2col + GEMM, the direct kernel run forward or on the flipped kernel, and
// for 3×3 Winograd's F(2×2, 3×3); conv2d.cc picks by shape): each forced in turn over shapes that
// reach the direct kernel's border handling (padding, strides, dilation), 16- and 8-channel
// blocks, partial pixel groups and Winograd's partial tiles and blocks.
KERNO_TEST(conv2d_forward_paths) {
  const Case cases[] = {
      {2, 13, 13, 32, 64, 3, 3, 1, 1, 1, 1, false},  // the reference CNN's second conv
      {2, 9, 8, 17, 24, 3, 3, 1, 1, 1, 1, true},     // 16 + 8 filters, 'same' borders
      {3, 7, 9, 5, 8, 5, 2, 2, 1, 1, 2, true},       // strides, dilation
      {1, 12, 11, 40, 16, 3, 3, 2, 2, 1, 1, false},
      {2, 6, 31, 33, 32, 1, 3, 1, 1, 1, 1, true},    // one kernel row, long output rows
      {1, 5, 5, 130, 8, 3, 3, 1, 1, 1, 1, true},     // D beyond the auto rule's limit
      // backward-data through the flipped kernel: C = 8, 16, 24, 40; 'same' and 'valid',
      // dilation, a window taller than wide, rows where every window is cut by the padding
      {2, 9, 8, 16, 8, 3, 3, 1, 1, 1, 1, true},
      {2, 7, 9, 8, 16, 5, 2, 1, 1, 2, 1, true},
      {1, 6, 5, 24, 8, 3, 3, 1, 1, 2, 2, false},
      {2, 5, 6, 40, 24, 3, 3, 1, 1, 1, 1, false},
      {1, 2, 3, 16, 8, 3, 3, 1, 1, 1, 1, true},
      // Winograd F(2×2, 3×3), forward (C % 8, K % 16) and backward-data (K % 8, C % 16): odd
      // outputs (half tiles), 'same' and 'valid', tile counts around the 12-tile blocks, one
      // output row, 24 and 48 channels
      {3, 8, 7, 16, 16, 3, 3, 1, 1, 1, 1, true},
      {1, 5, 9, 24, 32, 3, 3, 1, 1, 1, 1, false},
      {2, 4, 30, 32, 48, 3, 3, 1, 1, 1, 1, false},
      {5, 6, 6, 48, 16, 3, 3, 1, 1, 1, 1, true},
      {1, 3, 3, 16, 32, 3, 3, 1, 1, 1, 1, true},
  };
  for (int path : {kerno::kConv2dPathGemm, kerno::kConv2dPathDirect, kerno::kConv2dPathWinograd}) {
    kerno::conv2d_set_path(path);
    uint32_t seed = 1500;
    for (const Case& c : cases) run_case(c, seed++, false);
    for (const Case& c : kt_conv::sampled(11, 24, {8, 16, 24})) run_case(c, seed++, false);
  }
  kerno::conv2d_set_path(kerno::kConv2dPathAuto);
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

// The fused activation of conv2d_forward (kerno_conv2d_params.act), every kind on every path
// (1×1 GEMM, AVX2 direct for thin rows, the portable direct loops when K % 8 != 0, and for rows of
// D ≥ 32 both im2col + GEMM, with one and with many tiles, and the AVX2 direct kernel), with and
// without bias: (1) bit-for-bit the unfused conv followed
// by the same backend's activation_forward, so fusing never changes results (training and
// inference agree); (2) within the bound of the float64 conv passed through a float64 activation.
KERNO_TEST(conv2d_fused_activation) {
  // As the binding runs kernels: denormals flushed on this thread as on the pool's workers, so a
  // tile computed here and one computed on a worker round alike.
  kerno::FlushDenormals ftz;
  const Case cases[] = {
      {3, 5, 4, 17, 8, 1, 1, 1, 1, 1, 1, false},     // pointwise GEMM
      {2, 28, 28, 1, 32, 3, 3, 1, 1, 1, 1, false},   // AVX2 direct, rows read in place
      {2, 9, 8, 3, 40, 3, 3, 2, 1, 1, 2, true},      // AVX2 direct, gathered borders, 32 + 8 filters
      {2, 7, 7, 2, 5, 3, 3, 1, 1, 1, 1, true},       // portable direct (K % 8 != 0)
      {2, 13, 13, 32, 16, 3, 3, 1, 1, 1, 1, false},  // D = 288: im2col + GEMM or the direct kernel
      {2, 9, 8, 5, 8, 3, 3, 2, 2, 2, 2, true},
      {300, 7, 7, 17, 8, 3, 3, 1, 1, 1, 1, true},    // many tiles over the threads
  };
  uint32_t seed = 1200;
  for (const Case& c : cases) {
    Data d = make_data(c, seed++);
    Ref ref = reference(d);
    const size_t n = d.n_out();
    const double conv_atol = kt_conv::bound(d.p.KH * d.p.KW * d.p.C + 1, max_of(ref.out_mag));
    for (int path : {kerno::kConv2dPathGemm, kerno::kConv2dPathDirect}) {  // D ≥ 32: both forward paths
      kerno::conv2d_set_path(path);
      for (const kerno_backend* be : kt::backends()) {
        if (!is_host(be) || !be->conv2d_forward) continue;
        for (const kt_conv::Act& a : kt_conv::activations()) {
          for (bool with_bias : {true, false}) {
            if (!with_bias && a.kind != KERNO_ACT_RELU && a.kind != KERNO_ACT_SIGMOID) continue;
            std::string what = kt_conv::describe(be->name, c) + " " + a.name + (with_bias ? "" : " no bias") +
                               (path == kerno::kConv2dPathDirect ? " (direct)" : "");
            const float* bias = with_bias ? d.bias.data() : nullptr;
            kerno_conv2d_params p = d.p;
            p.act = {a.kind, a.alpha};
            std::vector<float> fused(n, std::numeric_limits<float>::quiet_NaN()), plain(n);
            KT_CHECK_OK(be->conv2d_forward(fused.data(), d.inp.data(), d.kernel.data(), bias, &p));
            KT_CHECK_OK(be->conv2d_forward(plain.data(), d.inp.data(), d.kernel.data(), bias, &d.p));
            KT_CHECK_OK(be->activation_forward(plain.data(), plain.data(), static_cast<int64_t>(n), &p.act));
            KT_CHECK(std::memcmp(fused.data(), plain.data(), n * sizeof(float)) == 0,
                     "%s: fused output differs from conv + activation_forward", what.c_str());
            std::vector<double> want(n);
            for (size_t i = 0; i < n; ++i) {
              double z = ref.out[i] - (with_bias ? 0.0 : d.bias[i % static_cast<size_t>(d.p.K)]);
              want[i] = kt_conv::act64(a, z);
            }
            KT_ALL_CLOSE(what.c_str(), fused.data(), want.data(), n, kt_conv::kActSlope * conv_atol + kt_conv::kActAtol,
                         kt_conv::kActRtol);
          }
        }
      }
    }
  }
  kerno::conv2d_set_path(kerno::kConv2dPathAuto);
}

// A NaN in the input reaches the fused ReLU's output exactly as it reaches activation_forward's
// (NaN passes through ReLU), on the paths that apply it in registers and in the output stage.
KERNO_TEST(conv2d_fused_relu_nan) {
  kerno::FlushDenormals ftz;
  const Case cases[] = {
      {1, 6, 6, 1, 8, 3, 3, 1, 1, 1, 1, false},   // AVX2 direct, thin rows
      {1, 6, 6, 13, 8, 3, 3, 1, 1, 1, 1, false},  // D = 117: im2col + GEMM or the AVX2 direct kernel
  };
  for (int path : {kerno::kConv2dPathGemm, kerno::kConv2dPathDirect}) {
    kerno::conv2d_set_path(path);
    for (const Case& c : cases) {
      Data d = make_data(c, 1300);
      d.inp[d.inp.size() / 2] = std::numeric_limits<float>::quiet_NaN();
      const size_t n = d.n_out();
      for (const kerno_backend* be : kt::backends()) {
        if (!is_host(be) || !be->conv2d_forward) continue;
        kerno_conv2d_params p = d.p;
        p.act = {KERNO_ACT_RELU, 0.f};
        std::vector<float> fused(n), plain(n);
        KT_CHECK_OK(be->conv2d_forward(fused.data(), d.inp.data(), d.kernel.data(), d.bias.data(), &p));
        KT_CHECK_OK(be->conv2d_forward(plain.data(), d.inp.data(), d.kernel.data(), d.bias.data(), &d.p));
        KT_CHECK_OK(be->activation_forward(plain.data(), plain.data(), static_cast<int64_t>(n), &p.act));
        size_t nans = 0;
        for (float v : fused) nans += std::isnan(v) ? 1 : 0;
        std::string what = kt_conv::describe(be->name, c);
        KT_CHECK(nans > 0, "%s: the NaN input did not reach the output", what.c_str());
        KT_CHECK(std::memcmp(fused.data(), plain.data(), n * sizeof(float)) == 0, "%s: fused ReLU differs on NaN", what.c_str());
      }
    }
  }
  kerno::conv2d_set_path(kerno::kConv2dPathAuto);
}

// An unknown activation kind is refused by forward (even for an empty batch); the backward
// kernels ignore the field.
KERNO_TEST(conv2d_fused_activation_invalid) {
  kerno_conv2d_params p;
  kt_conv::make_params({2, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, true}, &p);
  std::vector<float> buf(4096, 0.f);
  float* f = buf.data();
  for (const kerno_backend* be : kt::backends()) {
    if (!is_host(be) || !be->conv2d_forward) continue;
    for (int32_t kind : {-1, KERNO_ACT_SILU + 1}) {
      kerno_conv2d_params q = p;
      q.act.kind = kind;
      KT_CHECK(be->conv2d_forward(f, f, f, f, &q) == KERNO_ERR_INVALID_ARGUMENT, "%s kind %d", be->name, kind);
      KT_CHECK_OK(be->conv2d_backward_data(f, f, f, &q));
      KT_CHECK_OK(be->conv2d_backward_filter(f, f, f, f, &q));
      q.B = 0;
      KT_CHECK(be->conv2d_forward(nullptr, nullptr, nullptr, nullptr, &q) == KERNO_ERR_INVALID_ARGUMENT,
               "%s kind %d, empty batch", be->name, kind);
    }
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
