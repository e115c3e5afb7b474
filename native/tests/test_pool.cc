// Max / average pooling and global pooling on every backend, against float64 references written
// here and central finite differences. B = batch, H, W = input spatial, C = channels,
// OH, OW = output spatial, KH, KW = window, S = H·W for global pooling.
// Padding follows TensorFlow 'same': OH = ceil(H/s), total = max((OH−1)·s + KH − H, 0),
// pad_top = total/2 (the extra pixel at the bottom/right).
#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "harness.h"

namespace {

kerno_conv2d_params pool_params(int64_t B, int64_t H, int64_t W, int64_t C, int64_t KH, int64_t KW, int64_t sh,
                                int64_t sw, bool same) {
  kerno_conv2d_params p;
  std::memset(&p, 0, sizeof p);
  p.B = B, p.H = H, p.W = W, p.C = C, p.KH = KH, p.KW = KW;
  p.stride_h = sh, p.stride_w = sw, p.dilation_h = 1, p.dilation_w = 1;
  if (same) {
    p.OH = (H + sh - 1) / sh;
    p.OW = (W + sw - 1) / sw;
    p.pad_top = std::max<int64_t>((p.OH - 1) * sh + KH - H, 0) / 2;
    p.pad_left = std::max<int64_t>((p.OW - 1) * sw + KW - W, 0) / 2;
  } else {
    p.OH = H >= KH ? (H - KH) / sh + 1 : 0;
    p.OW = W >= KW ? (W - KW) / sw + 1 : 0;
  }
  return p;
}

size_t in_size(const kerno_conv2d_params& p) { return static_cast<size_t>(p.B * p.H * p.W * p.C); }
size_t out_size(const kerno_conv2d_params& p) { return static_cast<size_t>(p.B * p.OH * p.OW * p.C); }

// In-bounds taps of window (oh, ow) as flat input indices (without channel), scan order.
std::vector<int64_t> taps(const kerno_conv2d_params& p, int64_t b, int64_t oh, int64_t ow) {
  std::vector<int64_t> t;
  for (int64_t kh = 0; kh < p.KH; ++kh)
    for (int64_t kw = 0; kw < p.KW; ++kw) {
      int64_t h = oh * p.stride_h - p.pad_top + kh, w = ow * p.stride_w - p.pad_left + kw;
      if (h >= 0 && h < p.H && w >= 0 && w < p.W) t.push_back((b * p.H + h) * p.W + w);
    }
  return t;
}

// float64 pooling: forward out, and backward gradient of Σ out·r (r = dout) into grad.
void pool64(bool is_max, const kerno_conv2d_params& p, const std::vector<double>& x, const std::vector<double>* dout,
            std::vector<double>* out, std::vector<double>* grad) {
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t oh = 0; oh < p.OH; ++oh)
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        std::vector<int64_t> t = taps(p, b, oh, ow);
        for (int64_t c = 0; c < p.C; ++c) {
          size_t o = static_cast<size_t>(((b * p.OH + oh) * p.OW + ow) * p.C + c);
          int64_t best = t[0];
          double sum = 0;
          for (int64_t i : t) {
            if (x[i * p.C + c] > x[best * p.C + c]) best = i;
            sum += x[i * p.C + c];
          }
          if (out) (*out)[o] = is_max ? x[best * p.C + c] : sum / t.size();
          if (!grad) continue;
          if (is_max) (*grad)[best * p.C + c] += (*dout)[o];
          else
            for (int64_t i : t) (*grad)[i * p.C + c] += (*dout)[o] / t.size();
        }
      }
}

std::vector<double> to64(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

// Distinct values (a shuffled ramp with step 0.01) so a max never ties, even under ±h probes.
std::vector<float> distinct(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.f);
  std::shuffle(v.begin(), v.end(), std::mt19937(seed));
  for (float& x : v) x = x * 0.01f - 0.005f * static_cast<float>(n);
  return v;
}

using PoolFwd = kerno_status (*)(float*, const float*, const kerno_conv2d_params*);

struct Geometry {
  int64_t H, W, C, KH, KW, sh, sw;
  bool same;
};

// The shape sweep: odd sizes, every window and stride, valid and same.
std::vector<Geometry> sweep() {
  const int64_t hw[][2] = {{1, 5}, {5, 5}, {5, 1}, {28, 31}, {31, 28}};
  const int64_t chans[] = {1, 3, 17};
  const int64_t wins[][2] = {{2, 2}, {3, 3}, {2, 3}};
  const int64_t strides[][2] = {{1, 1}, {2, 2}, {3, 3}, {2, 1}};
  std::vector<Geometry> g;
  for (auto& s : hw)
    for (int64_t c : chans)
      for (auto& k : wins)
        for (auto& st : strides)
          for (bool same : {false, true}) g.push_back({s[0], s[1], c, k[0], k[1], st[0], st[1], same});
  return g;
}

void check_pool_case(const kerno_backend* be, bool is_max, const Geometry& g) {
  kerno_conv2d_params p = pool_params(2, g.H, g.W, g.C, g.KH, g.KW, g.sh, g.sw, g.same);
  if (p.OH == 0 || p.OW == 0) return;  // 'valid' window larger than the input
  std::vector<float> x = is_max ? distinct(in_size(p), 7) : kt::random_vector(in_size(p), 7);
  std::vector<float> dout = kt::random_vector(out_size(p), 8), init = kt::random_vector(in_size(p), 9);
  std::vector<double> x64 = to64(x), d64 = to64(dout), out64(out_size(p)), grad64 = to64(init);
  pool64(is_max, p, x64, &d64, &out64, &grad64);
  std::vector<float> out(out_size(p), NAN), dinp = init;
  PoolFwd fwd = is_max ? be->max_pool2d_forward : be->avg_pool2d_forward;
  KT_CHECK_OK(fwd(out.data(), x.data(), &p));
  KT_CHECK_OK(is_max ? be->max_pool2d_backward(dinp.data(), dout.data(), x.data(), &p)
                     : be->avg_pool2d_backward(dinp.data(), dout.data(), &p));
  char what[160];
  std::snprintf(what, sizeof what, "%s %s H%lld W%lld C%lld k%lldx%lld s%lldx%lld %s", be->name,
                is_max ? "max" : "avg", (long long)g.H, (long long)g.W, (long long)g.C, (long long)g.KH,
                (long long)g.KW, (long long)g.sh, (long long)g.sw, g.same ? "same" : "valid");
  // Max is exact; a mean of ≤ 9 floats is within a few ulps; dinp sums ≤ 9 contributions.
  KT_ALL_CLOSE(what, out.data(), out64.data(), out.size(), is_max ? 0 : 1e-6, 1e-6);
  KT_ALL_CLOSE(what, dinp.data(), grad64.data(), dinp.size(), 2e-6, 2e-6);
}

}  // namespace

KERNO_TEST(pool2d_forward_backward_match_float64_over_shape_sweep) {
  std::vector<Geometry> gs = sweep();
  for (const kerno_backend* be : kt::backends()) {
    if (!be->max_pool2d_forward || !be->avg_pool2d_forward) continue;
    for (const Geometry& g : gs) {
      check_pool_case(be, true, g);
      check_pool_case(be, false, g);
    }
  }
}

// The fast kernels' other branches: windows of more than 16 taps (no tap table: plain loops,
// and backward over channel blocks), disjoint windows with padding, and channel counts that
// leave a remainder after the 4- and 8-lane blocks.
KERNO_TEST(pool2d_large_windows_and_channel_tails) {
  const Geometry gs[] = {{11, 9, 9, 5, 4, 5, 4, false}, {11, 9, 9, 5, 4, 5, 4, true}, {11, 9, 6, 5, 4, 1, 2, true},
                         {7, 8, 13, 2, 2, 2, 2, true},  {9, 7, 33, 3, 2, 3, 2, true}, {6, 6, 5, 4, 4, 4, 4, false}};
  for (const kerno_backend* be : kt::backends()) {
    if (!be->max_pool2d_forward || !be->avg_pool2d_forward) continue;
    for (const Geometry& g : gs) {
      check_pool_case(be, true, g);
      check_pool_case(be, false, g);
    }
  }
}

KERNO_TEST(pool2d_backward_matches_finite_differences) {
  const Geometry gs[] = {{5, 5, 3, 2, 2, 1, 1, false}, {5, 5, 3, 3, 3, 2, 2, true}, {5, 4, 1, 2, 3, 3, 2, true},
                         {1, 5, 3, 2, 3, 1, 2, true}};
  for (const kerno_backend* be : kt::backends()) {
    if (!be->max_pool2d_backward || !be->avg_pool2d_backward) continue;
    for (const Geometry& g : gs)
      for (bool is_max : {true, false}) {
        kerno_conv2d_params p = pool_params(2, g.H, g.W, g.C, g.KH, g.KW, g.sh, g.sw, g.same);
        std::vector<float> x = distinct(in_size(p), 3), r = kt::random_vector(out_size(p), 4);
        std::vector<double> x64 = to64(x), r64 = to64(r), out64(out_size(p));
        std::vector<double> fd = kt::finite_diff(x64, 1e-3, [&] {
          pool64(is_max, p, x64, nullptr, &out64, nullptr);
          double s = 0;
          for (size_t i = 0; i < out64.size(); ++i) s += out64[i] * r64[i];
          return s;
        });
        std::vector<float> dinp(in_size(p), 0.f);
        KT_CHECK_OK(is_max ? be->max_pool2d_backward(dinp.data(), r.data(), x.data(), &p)
                           : be->avg_pool2d_backward(dinp.data(), r.data(), &p));
        KT_ALL_CLOSE(is_max ? "max pool fd" : "avg pool fd", dinp.data(), fd.data(), dinp.size(), 1e-5, 1e-5);
      }
  }
}

KERNO_TEST(max_pool2d_ties_route_to_first_maximum_and_padding_never_wins) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->max_pool2d_backward) continue;
    // TF 2.21: a 2×2 window [[1,3],[3,2]] sends its gradient to the 3 at (0,1) only.
    kerno_conv2d_params p = pool_params(1, 2, 2, 1, 2, 2, 2, 2, false);
    std::vector<float> x = {1, 3, 3, 2}, d = {1}, g(4, 0.f), out(1);
    KT_CHECK_OK(be->max_pool2d_backward(g.data(), d.data(), x.data(), &p));
    KT_CHECK(g[0] == 0 && g[1] == 1 && g[2] == 0 && g[3] == 0, "%s tie routed to %g %g %g %g", be->name, g[0],
             g[1], g[2], g[3]);
    // All negative with 'same' padding: the max is a real element, never the padding's zero.
    p = pool_params(1, 3, 3, 2, 3, 3, 1, 1, true);
    std::vector<float> neg(18), o(18);
    for (size_t i = 0; i < neg.size(); ++i) neg[i] = -1.f - static_cast<float>(i);
    KT_CHECK_OK(be->max_pool2d_forward(o.data(), neg.data(), &p));
    KT_CHECK(o[0] == -1.f && o[1] == -2.f && o[17] == -10.f, "%s padded max %g %g %g", be->name, o[0], o[1], o[17]);
    // Average excludes padding: a corner of 'same' 3×3 over ones is 1, not 4/9.
    std::vector<float> ones(18, 1.f);
    KT_CHECK_OK(be->avg_pool2d_forward(o.data(), ones.data(), &p));
    KT_CHECK(o[0] == 1.f && o[17] == 1.f, "%s padded avg %g", be->name, o[0]);
  }
}

// NaN, ±0 and ties through the fast kernels' vector paths (C = 9: two 4-lane blocks and a scalar
// tail) give the reference's bits: max forward keeps a NaN first tap and ignores later ones,
// backward routes to the same tap, and a gradient never flips the sign of a −0 it skips.
KERNO_TEST(max_pool2d_nan_and_signed_zero_match_reference) {
  const kerno_backend* ref = kt::backends().front();
  for (bool same : {false, true})
    for (int64_t s : {1, 2}) {
      kerno_conv2d_params p = pool_params(2, 6, 5, 9, 2, 2, s, s, same);
      std::vector<float> x = kt::random_vector(in_size(p), 21), d = kt::random_vector(out_size(p), 22);
      for (size_t i = 0; i < x.size(); i += 7) x[i] = std::numeric_limits<float>::quiet_NaN();
      for (size_t i = 3; i < x.size(); i += 11) x[i] = x[i + 1 < x.size() ? i + 1 : i];  // ties
      std::vector<float> init(in_size(p), -0.f), want_o(out_size(p)), want_g = init;
      KT_CHECK_OK(ref->max_pool2d_forward(want_o.data(), x.data(), &p));
      KT_CHECK_OK(ref->max_pool2d_backward(want_g.data(), d.data(), x.data(), &p));
      for (const kerno_backend* be : kt::backends()) {
        std::vector<float> o(out_size(p)), g = init;
        KT_CHECK_OK(be->max_pool2d_forward(o.data(), x.data(), &p));
        KT_CHECK_OK(be->max_pool2d_backward(g.data(), d.data(), x.data(), &p));
        KT_CHECK(std::memcmp(o.data(), want_o.data(), o.size() * sizeof(float)) == 0, "%s forward s%lld %s", be->name,
                 (long long)s, same ? "same" : "valid");
        KT_CHECK(std::memcmp(g.data(), want_g.data(), g.size() * sizeof(float)) == 0, "%s backward s%lld %s", be->name,
                 (long long)s, same ? "same" : "valid");
      }
    }
}

KERNO_TEST(pool2d_rejects_invalid_parameters) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->max_pool2d_forward) continue;
    std::vector<float> x(100, 0.f), y(100);
    auto expect_invalid = [&](kerno_conv2d_params p, const char* why) {
      KT_CHECK(be->max_pool2d_forward(y.data(), x.data(), &p) == KERNO_ERR_INVALID_ARGUMENT, "%s max: %s",
               be->name, why);
      KT_CHECK(be->avg_pool2d_backward(y.data(), x.data(), &p) == KERNO_ERR_INVALID_ARGUMENT, "%s avg: %s",
               be->name, why);
    };
    const kerno_conv2d_params ok = pool_params(1, 4, 4, 1, 2, 2, 2, 2, false);
    KT_CHECK_OK(be->max_pool2d_forward(y.data(), x.data(), &ok));
    kerno_conv2d_params p = ok;
    p.stride_h = 0;
    expect_invalid(p, "stride 0");
    p = ok, p.KW = 0;
    expect_invalid(p, "window 0");
    p = ok, p.dilation_h = 2;
    expect_invalid(p, "dilation 2");
    p = ok, p.pad_top = 2;
    expect_invalid(p, "pad >= window");
    p = ok, p.OH = 3;
    expect_invalid(p, "window past the input");
    p = ok, p.B = -1;
    expect_invalid(p, "negative batch");
    KT_CHECK(be->max_pool2d_forward(y.data(), x.data(), nullptr) == KERNO_ERR_INVALID_ARGUMENT, "%s NULL params",
             be->name);
    KT_CHECK(be->max_pool2d_forward(nullptr, x.data(), &ok) == KERNO_ERR_INVALID_ARGUMENT, "%s NULL out", be->name);
    KT_CHECK(be->global_avg_pool_forward(y.data(), x.data(), 1, 0, 1) == KERNO_ERR_INVALID_ARGUMENT,
             "%s global S = 0", be->name);
  }
}

// ---- global pooling -------------------------------------------------------------------------

namespace {

void global64(bool is_max, const std::vector<double>& x, const std::vector<double>& r, int64_t B, int64_t S,
              int64_t C, std::vector<double>& out, std::vector<double>& grad) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      int64_t best = 0;
      double sum = 0;
      for (int64_t i = 0; i < S; ++i) {
        sum += x[(b * S + i) * C + c];
        if (x[(b * S + i) * C + c] > x[(b * S + best) * C + c]) best = i;
      }
      out[b * C + c] = is_max ? x[(b * S + best) * C + c] : sum / S;
      if (is_max) grad[(b * S + best) * C + c] += r[b * C + c];
      else
        for (int64_t i = 0; i < S; ++i) grad[(b * S + i) * C + c] += r[b * C + c] / S;
    }
}

}  // namespace

KERNO_TEST(global_pool_matches_float64_and_finite_differences) {
  const int64_t shapes[][2] = {{1, 1}, {25, 3}, {25, 17}, {784, 3}, {49, 100}, {961, 1}};  // (S, C)
  for (const kerno_backend* be : kt::backends()) {
    if (!be->global_avg_pool_forward || !be->global_max_pool_forward) continue;
    for (auto& sc : shapes)
      for (bool is_max : {true, false}) {
        const int64_t B = 3, S = sc[0], C = sc[1];
        const size_t n = static_cast<size_t>(B * S * C);
        std::vector<float> x = is_max ? distinct(n, 5) : kt::random_vector(n, 5);
        std::vector<float> r = kt::random_vector(static_cast<size_t>(B * C), 6), init = kt::random_vector(n, 11);
        std::vector<double> x64 = to64(x), r64 = to64(r), out64(B * C), g64 = to64(init);
        global64(is_max, x64, r64, B, S, C, out64, g64);
        std::vector<float> out(B * C), g = init;
        KT_CHECK_OK(is_max ? be->global_max_pool_forward(out.data(), x.data(), B, S, C)
                           : be->global_avg_pool_forward(out.data(), x.data(), B, S, C));
        KT_CHECK_OK(is_max ? be->global_max_pool_backward(g.data(), r.data(), x.data(), B, S, C)
                           : be->global_avg_pool_backward(g.data(), r.data(), B, S, C));
        char what[96];
        std::snprintf(what, sizeof what, "%s global %s S%lld C%lld", be->name, is_max ? "max" : "avg",
                      (long long)S, (long long)C);
        KT_ALL_CLOSE(what, out.data(), out64.data(), out.size(), is_max ? 0 : 1e-6, 1e-6);
        KT_ALL_CLOSE(what, g.data(), g64.data(), g.size(), 1e-6, 1e-6);
        if (n > 300) continue;  // finite differences on the small shapes only
        std::vector<double> tmp_out(B * C), tmp_g(n);
        std::vector<double> fd = kt::finite_diff(x64, 1e-3, [&] {
          global64(is_max, x64, r64, B, S, C, tmp_out, tmp_g);
          double s = 0;
          for (size_t i = 0; i < tmp_out.size(); ++i) s += tmp_out[i] * r64[i];
          return s;
        });
        std::vector<float> g0(n, 0.f);
        KT_CHECK_OK(is_max ? be->global_max_pool_backward(g0.data(), r.data(), x.data(), B, S, C)
                           : be->global_avg_pool_backward(g0.data(), r.data(), B, S, C));
        KT_ALL_CLOSE(what, g0.data(), fd.data(), n, 1e-5, 1e-5);
      }
  }
}

KERNO_TEST(global_max_pool_ties_share_the_gradient_like_tf) {
  // TF's reduce_max gradient (what Keras GlobalMaxPooling2D trains with) splits dout equally
  // among tied maxima: two ties get 0.5 each.
  for (const kerno_backend* be : kt::backends()) {
    if (!be->global_max_pool_backward) continue;
    // (B=1, S=4, C=2): channel 0 is 1,5,5,3 (two ties), channel 1 is 5,2,5,5 (three ties).
    std::vector<float> x = {1, 5, 5, 2, 5, 5, 3, 5}, d = {1, 3}, g(8, 0.f);
    KT_CHECK_OK(be->global_max_pool_backward(g.data(), d.data(), x.data(), 1, 4, 2));
    const double want[8] = {0, 1, 0.5, 0, 0.5, 1, 0, 1};
    KT_ALL_CLOSE(be->name, g.data(), want, 8, 0, 0);
  }
}

// ---- golden values from Keras 3.15.1 / TF 2.21 (scripts/fixtures/make_pool_bn_golden.py) ----

#include "fixtures/keras_golden_pool_bn.inc"

namespace {

std::vector<double> span64(const float* v, size_t n) { return std::vector<double>(v, v + n); }

}  // namespace

KERNO_TEST(pool2d_matches_keras_golden) {
  // Max pooling picks an input value and routes dout unchanged: exact. Averages differ from TF's
  // float32 sums by a few ulps.
  for (const kerno_backend* be : kt::backends()) {
    if (!be->max_pool2d_forward || !be->avg_pool2d_forward) continue;
    for (const kerno_golden::PoolGolden& g : kerno_golden::kPoolGolden) {
      const size_t ni = in_size(g.p), no = out_size(g.p);
      std::vector<float> out(no, NAN), dx(ni, 0.f);
      if (g.is_max) {
        KT_CHECK_OK(be->max_pool2d_forward(out.data(), g.x, &g.p));
        KT_CHECK_OK(be->max_pool2d_backward(dx.data(), g.r, g.x, &g.p));
      } else {
        KT_CHECK_OK(be->avg_pool2d_forward(out.data(), g.x, &g.p));
        KT_CHECK_OK(be->avg_pool2d_backward(dx.data(), g.r, &g.p));
      }
      char what[96];
      std::snprintf(what, sizeof what, "%s keras %s", be->name, g.name);
      KT_ALL_CLOSE(what, out.data(), span64(g.out, no).data(), no, g.is_max ? 0 : 1e-7, 1e-6);
      KT_ALL_CLOSE(what, dx.data(), span64(g.dx, ni).data(), ni, g.is_max ? 0 : 1e-7, 1e-6);
    }
    for (const kerno_golden::GlobalPoolGolden& g : kerno_golden::kGlobalPoolGolden) {
      const size_t ni = static_cast<size_t>(g.B * g.S * g.C), no = static_cast<size_t>(g.B * g.C);
      std::vector<float> out(no, NAN), dx(ni, 0.f);
      if (g.is_max) {
        KT_CHECK_OK(be->global_max_pool_forward(out.data(), g.x, g.B, g.S, g.C));
        KT_CHECK_OK(be->global_max_pool_backward(dx.data(), g.r, g.x, g.B, g.S, g.C));
      } else {
        KT_CHECK_OK(be->global_avg_pool_forward(out.data(), g.x, g.B, g.S, g.C));
        KT_CHECK_OK(be->global_avg_pool_backward(dx.data(), g.r, g.B, g.S, g.C));
      }
      char what[96];
      std::snprintf(what, sizeof what, "%s keras %s", be->name, g.name);
      KT_ALL_CLOSE(what, out.data(), span64(g.out, no).data(), no, g.is_max ? 0 : 1e-7, 1e-6);
      KT_ALL_CLOSE(what, dx.data(), span64(g.dx, ni).data(), ni, g.is_max ? 0 : 1e-7, 1e-6);
    }
  }
}
