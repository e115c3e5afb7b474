// CUDA-specific checks of the conv-family kernels (native/cuda/conv2d.cu, depthwise_conv2d.cu,
// pool.cu, batchnorm.cu, dropout.cu) that the shared tests' small shapes do not reach: the wide
// register tiles of the implicit GEMM (more than 64 filters or channels), backward-filter and
// dbias reductions split over many blocks (large B·OH·OW), determinism of the split reductions
// (repeated calls are bitwise equal), long batch-norm reductions, and dropout masks over millions
// of elements at an unaligned offset. Each runs the "cuda" backend (through the host-pointer
// adapter, cuda_staged.h) against the scalar reference backend; without a CUDA device each test
// skips with one line.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "conv_cases.h"
#include "cuda_staged.h"
#include "harness.h"

namespace {

// The staged "cuda" backend, or NULL (after a skip line) when this machine has no CUDA device.
const kerno_backend* cuda_or_skip() {
  const kerno_backend* dev = kerno_cuda_device_count() > 0 ? kerno_backend_by_name("cuda") : nullptr;
  if (!dev) {
    kt::skip("no CUDA device");
    return nullptr;
  }
  return kt::staged_backend(dev);
}

const kerno_backend* ref() { return kerno_backend_at(0); }

std::vector<double> dbl(const std::vector<float>& v) { return {v.begin(), v.end()}; }

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

// Float sums of up to ~10^5 terms in another order than the reference: well inside 1e-4 of the
// largest magnitude, while an indexing error is of the order of the values themselves.
void expect_close(const std::string& what, const std::vector<float>& got, const std::vector<float>& want) {
  KT_ALL_CLOSE(what.c_str(), got.data(), dbl(want).data(), got.size(), 1e-4 * std::max(1.0, max_abs(want)), 1e-4);
}

void conv_matches_reference(const kerno_backend* cu, const kt_conv::Case& c, uint32_t seed) {
  kerno_conv2d_params p;
  KT_CHECK(kt_conv::make_params(c, &p), "bad case");
  const std::string name = kt_conv::describe("cuda", c);
  const size_t ni = p.B * p.H * p.W * p.C, nk = p.KH * p.KW * p.C * p.K, no = p.B * p.OH * p.OW * p.K;
  auto x = kt::random_vector(ni, seed), k = kt::random_vector(nk, seed + 1), b = kt::random_vector(p.K, seed + 2);
  auto d = kt::random_vector(no, seed + 3);
  std::vector<float> o1(no), o2(no);
  kerno_conv2d_params pr = p;
  pr.act.kind = KERNO_ACT_RELU;
  KT_CHECK_OK(cu->conv2d_forward(o1.data(), x.data(), k.data(), b.data(), &pr));
  KT_CHECK_OK(ref()->conv2d_forward(o2.data(), x.data(), k.data(), b.data(), &pr));
  expect_close(name + " forward+relu", o1, o2);
  auto di1 = kt::random_vector(ni, seed + 4), di2 = di1;
  KT_CHECK_OK(cu->conv2d_backward_data(di1.data(), d.data(), k.data(), &p));
  KT_CHECK_OK(ref()->conv2d_backward_data(di2.data(), d.data(), k.data(), &p));
  expect_close(name + " backward-data", di1, di2);
  auto dk0 = kt::random_vector(nk, seed + 5), db0 = kt::random_vector(p.K, seed + 6);
  auto dk1 = dk0, dk2 = dk0, db1 = db0, db2 = db0;
  KT_CHECK_OK(cu->conv2d_backward_filter(dk1.data(), db1.data(), d.data(), x.data(), &p));
  KT_CHECK_OK(ref()->conv2d_backward_filter(dk2.data(), db2.data(), d.data(), x.data(), &p));
  expect_close(name + " backward-filter", dk1, dk2);
  expect_close(name + " dbias", db1, db2);
  // The split partials are added in a fixed order: a second call gives the same bits.
  auto dk3 = dk0, db3 = db0;
  KT_CHECK_OK(cu->conv2d_backward_filter(dk3.data(), db3.data(), d.data(), x.data(), &p));
  KT_CHECK(dk3 == dk1 && db3 == db1, "%s: backward-filter not deterministic", name.c_str());
}

}  // namespace

KERNO_TEST(cuda_conv_wide_tiles_and_split_reductions) {
  const kerno_backend* cu = cuda_or_skip();
  if (!cu) return;
  // B, H, W, C, K, KH, KW, sh, sw, dh, dw, same
  const kt_conv::Case cases[] = {
      {2, 9, 7, 70, 130, 3, 3, 1, 1, 1, 1, true},     // 128-wide tiles (K > 64 forward, C > 64 backward-data)
      {1, 12, 12, 40, 50, 3, 3, 2, 2, 1, 1, true},    // 64-wide tiles, stride 2
      {16, 28, 28, 8, 16, 3, 3, 1, 1, 1, 1, true},    // P = 12544: backward-filter split over many blocks
      {8, 14, 14, 64, 64, 3, 3, 1, 1, 2, 2, true},    // dilated, D = 576
      {32, 7, 7, 96, 24, 1, 1, 1, 1, 1, 1, false},    // pointwise
  };
  uint32_t seed = 900;
  for (const auto& c : cases) conv_matches_reference(cu, c, seed += 10);
}

KERNO_TEST(cuda_conv_depthwise_split_reduction) {
  const kerno_backend* cu = cuda_or_skip();
  if (!cu) return;
  kerno_conv2d_params p;
  kt_conv::make_params({16, 28, 28, 12, 2, 3, 3, 1, 1, 1, 1, true}, &p);
  const size_t ni = p.B * p.H * p.W * p.C, CM = p.C * p.K, nk = p.KH * p.KW * CM, no = p.B * p.OH * p.OW * CM;
  auto x = kt::random_vector(ni, 1), k = kt::random_vector(nk, 2), d = kt::random_vector(no, 3);
  auto di1 = kt::random_vector(ni, 4), di2 = di1, dk1 = kt::random_vector(nk, 5), dk2 = dk1;
  auto db1 = kt::random_vector(CM, 6), db2 = db1, dk3 = dk1, db3 = db1;
  KT_CHECK_OK(cu->depthwise_conv2d_backward(di1.data(), dk1.data(), db1.data(), d.data(), x.data(), k.data(), &p));
  KT_CHECK_OK(ref()->depthwise_conv2d_backward(di2.data(), dk2.data(), db2.data(), d.data(), x.data(), k.data(), &p));
  expect_close("depthwise dinp", di1, di2);
  expect_close("depthwise dkernel", dk1, dk2);
  expect_close("depthwise dbias", db1, db2);
  KT_CHECK_OK(cu->depthwise_conv2d_backward(nullptr, dk3.data(), db3.data(), d.data(), x.data(), k.data(), &p));
  KT_CHECK(dk3 == dk1 && db3 == db1, "depthwise backward-filter not deterministic");
}

KERNO_TEST(cuda_conv_batchnorm_long_reduction) {
  const kerno_backend* cu = cuda_or_skip();
  if (!cu) return;
  const int64_t N = 200000, C = 3;
  kerno_batchnorm_params p{N, C, 0.99f, 1e-3f};
  auto x = kt::random_vector(N * C, 7, 4.f, 6.f), g = kt::random_vector(C, 8), b = kt::random_vector(C, 9);
  auto dy = kt::random_vector(N * C, 10);
  std::vector<float> o1(N * C), o2(N * C), m1(C), m2(C), s1(C), s2(C), mm1(C, 0.f), mm2(C, 0.f), mv1(C, 1.f), mv2(C, 1.f);
  KT_CHECK_OK(cu->batchnorm_forward_train(o1.data(), m1.data(), s1.data(), mm1.data(), mv1.data(), x.data(), g.data(),
                                          b.data(), &p));
  KT_CHECK_OK(ref()->batchnorm_forward_train(o2.data(), m2.data(), s2.data(), mm2.data(), mv2.data(), x.data(),
                                             g.data(), b.data(), &p));
  KT_ALL_CLOSE("bn out", o1.data(), dbl(o2).data(), o1.size(), 1e-5, 1e-5);
  KT_ALL_CLOSE("bn mean", m1.data(), dbl(m2).data(), C, 1e-6, 1e-6);
  KT_ALL_CLOSE("bn invstd", s1.data(), dbl(s2).data(), C, 1e-6, 1e-6);
  KT_ALL_CLOSE("bn moving var", mv1.data(), dbl(mv2).data(), C, 1e-6, 1e-6);
  std::vector<float> dx1(N * C, 0.f), dx2(N * C, 0.f), dg1(C, 0.f), dg2(C, 0.f), dbt1(C, 0.f), dbt2(C, 0.f);
  KT_CHECK_OK(cu->batchnorm_backward(dx1.data(), dg1.data(), dbt1.data(), dy.data(), x.data(), g.data(), m2.data(),
                                     s2.data(), &p));
  KT_CHECK_OK(ref()->batchnorm_backward(dx2.data(), dg2.data(), dbt2.data(), dy.data(), x.data(), g.data(), m2.data(),
                                        s2.data(), &p));
  KT_ALL_CLOSE("bn dinp", dx1.data(), dbl(dx2).data(), dx1.size(), 1e-5, 1e-5);
  KT_ALL_CLOSE("bn dgamma", dg1.data(), dbl(dg2).data(), C, 1e-3, 1e-5);
  KT_ALL_CLOSE("bn dbeta", dbt1.data(), dbl(dbt2).data(), C, 1e-3, 1e-5);
}

KERNO_TEST(cuda_conv_dropout_mask_matches_cpu_at_scale) {
  const kerno_backend* cu = cuda_or_skip();
  if (!cu) return;
  const int64_t N = (int64_t{1} << 21) + 3;
  auto x = kt::random_vector(N, 11);
  std::vector<float> o1(N), o2(N), m1(N), m2(N);
  KT_CHECK_OK(cu->dropout_forward(o1.data(), m1.data(), x.data(), N, 0.25f, 0xfeedbeef12345ull, 4097));
  KT_CHECK_OK(ref()->dropout_forward(o2.data(), m2.data(), x.data(), N, 0.25f, 0xfeedbeef12345ull, 4097));
  KT_CHECK(m1 == m2 && o1 == o2, "dropout mask/output differ from the reference");
}
