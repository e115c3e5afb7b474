// max_pool2d_relu_backward on every backend: the gradient at the pre-activation of the ReLU whose
// output is pooled must be, bit for bit, what training computed before the fusion: max-pool
// backward into a zeroed buffer, then the ReLU's activation_backward (from its output) into
// another zeroed buffer, both on the scalar reference (NaNs of either sign or payload agree).
// Every element is written: dpre starts as garbage. B = batch, H, W = input spatial,
// C = channels, KH, KW = window, s = stride.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "harness.h"

namespace {

struct Geometry {
  int64_t H, W, C, KH, KW, sh, sw;
  bool same;
};

kerno_conv2d_params pool_params(int64_t B, const Geometry& g) {
  kerno_conv2d_params p;
  std::memset(&p, 0, sizeof p);
  p.B = B, p.H = g.H, p.W = g.W, p.C = g.C, p.KH = g.KH, p.KW = g.KW;
  p.stride_h = g.sh, p.stride_w = g.sw, p.dilation_h = 1, p.dilation_w = 1;
  if (g.same) {
    p.OH = (g.H + g.sh - 1) / g.sh;
    p.OW = (g.W + g.sw - 1) / g.sw;
    p.pad_top = std::max<int64_t>((p.OH - 1) * g.sh + g.KH - g.H, 0) / 2;
    p.pad_left = std::max<int64_t>((p.OW - 1) * g.sw + g.KW - g.W, 0) / 2;
  } else {
    p.OH = g.H >= g.KH ? (g.H - g.KH) / g.sh + 1 : 0;
    p.OW = g.W >= g.KW ? (g.W - g.KW) / g.sw + 1 : 0;
  }
  return p;
}

size_t in_size(const kerno_conv2d_params& p) { return static_cast<size_t>(p.B * p.H * p.W * p.C); }
size_t out_size(const kerno_conv2d_params& p) { return static_cast<size_t>(p.B * p.OH * p.OW * p.C); }

// A ReLU's output (C channels a pixel): a third exact zeros, ties with the next pixel (a window's
// next tap), a few NaNs (a NaN pre-activation stays NaN through the kernels' ReLU).
std::vector<float> relu_output(size_t n, size_t C, uint32_t seed) {
  std::vector<float> y = kt::random_vector(n, seed, -0.5f, 1.f);
  for (size_t i = 0; i < n; ++i) y[i] = y[i] < 0.f ? 0.f : y[i];
  for (size_t i = 5; i + C < n; i += 7) y[i] = y[i + C];
  for (size_t i = 17; i < n; i += 41) y[i] = std::numeric_limits<float>::quiet_NaN();
  return y;
}

// The pooled gradient: random, with −0, ±infinity and NaN among it.
std::vector<float> pooled_gradient(size_t n, uint32_t seed) {
  std::vector<float> d = kt::random_vector(n, seed);
  for (size_t i = 2; i < n; i += 9) d[i] = -0.f;
  for (size_t i = 4; i < n; i += 23) d[i] = std::numeric_limits<float>::infinity();
  for (size_t i = 6; i < n; i += 29) d[i] = std::numeric_limits<float>::quiet_NaN();
  return d;
}

// Bit for bit, except that any NaN matches any NaN: a GPU's NaN from inf·0 is 0x7fffffff, an
// x86 one 0xffc00000.
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); }

// The two unfused passes on the scalar reference.
std::vector<float> unfused(const kerno_backend* ref, const kerno_conv2d_params& p, const std::vector<float>& d,
                           const std::vector<float>& y) {
  std::vector<float> dx(in_size(p), 0.f), dpre(in_size(p), 0.f);
  const kerno_activation_params relu{KERNO_ACT_RELU, 0.f};
  KT_CHECK_OK(ref->max_pool2d_backward(dx.data(), d.data(), y.data(), &p));
  KT_CHECK_OK(ref->activation_backward(dpre.data(), dx.data(), y.data(), y.data(), static_cast<int64_t>(dx.size()), &relu));
  return dpre;
}

}  // namespace

KERNO_TEST(max_pool2d_relu_backward_is_the_two_unfused_passes_bit_for_bit) {
  // Disjoint windows covering the input exactly, leaving a last row and column, with gaps
  // (stride > window), 'same' padding; overlapping windows; C = 9 (an 8-lane AVX2 block or two
  // 4-lane SSE2 blocks, and a tail), 13 (8 + 4 + 1: every block width on the AVX2 levels), 1 and
  // 64 (the reference CNN's second pooling, whose 11×11 input leaves an edge).
  const Geometry gs[] = {{8, 6, 9, 2, 2, 2, 2, false}, {7, 5, 9, 2, 2, 2, 2, false}, {9, 8, 9, 2, 2, 3, 3, false},
                         {7, 5, 9, 3, 2, 3, 2, true},  {6, 6, 9, 3, 3, 1, 1, false}, {7, 7, 9, 3, 3, 2, 2, true},
                         {5, 4, 1, 2, 2, 2, 2, false}, {11, 11, 64, 2, 2, 2, 2, false}, {6, 7, 13, 2, 2, 2, 2, false}};
  const kerno_backend* ref = kt::backends().front();
  uint32_t seed = 300;
  for (const Geometry& g : gs) {
    kerno_conv2d_params p = pool_params(3, g);
    std::vector<float> y = relu_output(in_size(p), static_cast<size_t>(g.C), ++seed), d = pooled_gradient(out_size(p), ++seed);
    std::vector<float> want = unfused(ref, p, d, y);
    for (const kerno_backend* be : kt::backends()) {
      if (!be->max_pool2d_relu_backward) continue;
      std::vector<float> got(in_size(p), 7.f);  // garbage: every element must be written
      KT_CHECK_OK(be->max_pool2d_relu_backward(got.data(), d.data(), y.data(), &p));
      size_t bad = 0;
      while (bad < got.size() && same_bits(got[bad], want[bad])) ++bad;
      KT_CHECK(bad == got.size(), "%s %lldx%lld C%lld window %lldx%lld stride %lldx%lld %s: element %zu is %g, want %g",
               be->name, (long long)g.H, (long long)g.W, (long long)g.C, (long long)g.KH, (long long)g.KW,
               (long long)g.sh, (long long)g.sw, g.same ? "same" : "valid", bad, bad < got.size() ? got[bad] : 0.f,
               bad < want.size() ? want[bad] : 0.f);
    }
  }
}

KERNO_TEST(max_pool2d_relu_backward_without_windows_writes_zeros_and_rejects_bad_arguments) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->max_pool2d_relu_backward) continue;
    // A 'valid' 3×3 window over a 2×2 input has no output: the gradient is zero everywhere.
    kerno_conv2d_params p = pool_params(2, {2, 2, 3, 3, 3, 1, 1, false});
    std::vector<float> dpre(in_size(p), 7.f), y(in_size(p), 1.f), d(1, 1.f);
    KT_CHECK_OK(be->max_pool2d_relu_backward(dpre.data(), d.data(), y.data(), &p));
    bool zeros = true;
    for (float v : dpre) zeros = zeros && v == 0.f && !std::signbit(v);
    KT_CHECK(zeros, "%s: an empty pooling leaves dpre unwritten", be->name);
    KT_CHECK(be->max_pool2d_relu_backward(nullptr, d.data(), y.data(), &p) == KERNO_ERR_INVALID_ARGUMENT,
             "%s: NULL dpre of an empty pooling accepted", be->name);
    p = pool_params(1, {4, 4, 2, 2, 2, 2, 2, false});
    std::vector<float> x(in_size(p), 1.f), dd(out_size(p), 1.f), out(in_size(p));
    KT_CHECK(be->max_pool2d_relu_backward(out.data(), dd.data(), nullptr, &p) == KERNO_ERR_INVALID_ARGUMENT,
             "%s: NULL inp accepted", be->name);
    kerno_conv2d_params bad = p;
    bad.stride_h = 0;
    KT_CHECK(be->max_pool2d_relu_backward(out.data(), dd.data(), x.data(), &bad) == KERNO_ERR_INVALID_ARGUMENT,
             "%s: stride 0 accepted", be->name);
  }
}
