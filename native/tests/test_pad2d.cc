// ZeroPadding2D, Cropping2D and UpSampling2D (nearest) on every backend, against float64 index
// maps written here and finite differences. B = batch, H, W, C = the smaller tensor; the larger
// one is (B, H + top + bottom, W + left + right, C); upsampling gives (B, H·sh, W·sw, C).
#include <cstring>
#include <vector>

#include "harness.h"

namespace {

kerno_pad2d_params pad(int64_t B, int64_t H, int64_t W, int64_t C, int64_t t, int64_t b, int64_t l, int64_t r) {
  kerno_pad2d_params p;
  std::memset(&p, 0, sizeof p);
  p.B = B, p.H = H, p.W = W, p.C = C, p.top = t, p.bottom = b, p.left = l, p.right = r;
  return p;
}

// Index in the larger tensor of small element i, and the larger tensor's size.
struct PadMap {
  std::vector<size_t> big_of_small;
  size_t big_size;
};

PadMap pad_map(const kerno_pad2d_params& p) {
  const int64_t PH = p.H + p.top + p.bottom, PW = p.W + p.left + p.right;
  PadMap m{{}, static_cast<size_t>(p.B * PH * PW * p.C)};
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.H; ++h)
      for (int64_t w = 0; w < p.W; ++w)
        for (int64_t c = 0; c < p.C; ++c)
          m.big_of_small.push_back(static_cast<size_t>(((b * PH + h + p.top) * PW + w + p.left) * p.C + c));
  return m;
}

const kerno_pad2d_params kPads[] = {
    pad(2, 5, 5, 3, 1, 1, 1, 1), pad(1, 1, 1, 1, 0, 0, 0, 0), pad(2, 28, 31, 17, 2, 3, 0, 1),
    pad(3, 31, 28, 1, 0, 2, 3, 0), pad(1, 1, 5, 3, 4, 0, 0, 4),
};

}  // namespace

KERNO_TEST(zero_pad2d_and_crop2d_match_the_index_map) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->zero_pad2d_forward || !be->crop2d_forward) continue;
    for (const kerno_pad2d_params& p : kPads) {
      PadMap m = pad_map(p);
      const size_t ns = m.big_of_small.size(), nb = m.big_size;
      std::vector<float> small = kt::random_vector(ns, 1), big = kt::random_vector(nb, 2);
      std::vector<float> init_s = kt::random_vector(ns, 3), init_b = kt::random_vector(nb, 4);
      // Forward pad: zeros except the interior.
      std::vector<double> want_b(nb, 0.0), want_s(ns), want_db = std::vector<double>(init_b.begin(), init_b.end());
      std::vector<double> want_ds(init_s.begin(), init_s.end());
      for (size_t i = 0; i < ns; ++i) {
        want_b[m.big_of_small[i]] = small[i];
        want_s[i] = big[m.big_of_small[i]];
        want_ds[i] += big[m.big_of_small[i]];
        want_db[m.big_of_small[i]] += small[i];
      }
      std::vector<float> out_b(nb, NAN), out_s(ns, NAN), ds = init_s, db = init_b;
      KT_CHECK_OK(be->zero_pad2d_forward(out_b.data(), small.data(), &p));
      KT_CHECK_OK(be->crop2d_forward(out_s.data(), big.data(), &p));
      KT_CHECK_OK(be->zero_pad2d_backward(ds.data(), big.data(), &p));  // dout is the larger tensor
      KT_CHECK_OK(be->crop2d_backward(db.data(), small.data(), &p));    // dout is the smaller tensor
      KT_ALL_CLOSE("zero_pad2d forward", out_b.data(), want_b.data(), nb, 0, 0);
      KT_ALL_CLOSE("crop2d forward", out_s.data(), want_s.data(), ns, 0, 0);
      KT_ALL_CLOSE("zero_pad2d backward", ds.data(), want_ds.data(), ns, 1e-6, 1e-6);
      KT_ALL_CLOSE("crop2d backward", db.data(), want_db.data(), nb, 1e-6, 1e-6);
    }
  }
}

KERNO_TEST(upsample2d_matches_nearest_repeat_and_finite_differences) {
  const int64_t shapes[][6] = {{2, 5, 5, 3, 2, 2}, {1, 1, 1, 1, 1, 1}, {2, 28, 31, 17, 2, 3}, {3, 1, 5, 3, 3, 1}};
  for (const kerno_backend* be : kt::backends()) {
    if (!be->upsample2d_forward) continue;
    for (auto& s : shapes) {
      const int64_t B = s[0], H = s[1], W = s[2], C = s[3], sh = s[4], sw = s[5], OH = H * sh, OW = W * sw;
      const size_t ni = static_cast<size_t>(B * H * W * C), no = static_cast<size_t>(B * OH * OW * C);
      std::vector<float> x = kt::random_vector(ni, 5), d = kt::random_vector(no, 6), init = kt::random_vector(ni, 7);
      std::vector<double> want(no), want_g(init.begin(), init.end());
      for (int64_t b = 0; b < B; ++b)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow)
            for (int64_t c = 0; c < C; ++c) {
              size_t o = ((b * OH + oh) * OW + ow) * C + c, i = ((b * H + oh / sh) * W + ow / sw) * C + c;
              want[o] = x[i];
              want_g[i] += d[o];
            }
      std::vector<float> out(no, NAN), g = init;
      KT_CHECK_OK(be->upsample2d_forward(out.data(), x.data(), B, H, W, C, sh, sw));
      KT_CHECK_OK(be->upsample2d_backward(g.data(), d.data(), B, H, W, C, sh, sw));
      KT_ALL_CLOSE("upsample2d forward", out.data(), want.data(), no, 0, 0);
      KT_ALL_CLOSE("upsample2d backward", g.data(), want_g.data(), ni, 1e-5, 1e-5);
      if (ni > 200) continue;
      // Σ out·d is linear in x: its central difference is the exact adjoint.
      std::vector<double> x64(x.begin(), x.end());
      std::vector<double> fd = kt::finite_diff(x64, 1e-3, [&] {
        double acc = 0;
        for (int64_t b = 0; b < B; ++b)
          for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow)
              for (int64_t c = 0; c < C; ++c)
                acc += x64[((b * H + oh / sh) * W + ow / sw) * C + c] * d[((b * OH + oh) * OW + ow) * C + c];
        return acc;
      });
      std::vector<float> g0(ni, 0.f);
      KT_CHECK_OK(be->upsample2d_backward(g0.data(), d.data(), B, H, W, C, sh, sw));
      KT_ALL_CLOSE("upsample2d fd", g0.data(), fd.data(), ni, 1e-5, 1e-5);
    }
  }
}

KERNO_TEST(pad2d_and_upsample2d_reject_invalid_parameters) {
  std::vector<float> a(64), b(64);
  for (const kerno_backend* be : kt::backends()) {
    if (!be->zero_pad2d_forward) continue;
    kerno_pad2d_params p = pad(1, 2, 2, 1, -1, 0, 0, 0);
    KT_CHECK(be->zero_pad2d_forward(a.data(), b.data(), &p) == KERNO_ERR_INVALID_ARGUMENT, "%s negative pad",
             be->name);
    KT_CHECK(be->crop2d_forward(a.data(), b.data(), nullptr) == KERNO_ERR_INVALID_ARGUMENT, "%s NULL params", be->name);
    p = pad(1, 2, 2, 1, 0, 0, 0, 0);
    KT_CHECK(be->crop2d_backward(nullptr, b.data(), &p) == KERNO_ERR_INVALID_ARGUMENT, "%s NULL dinp", be->name);
    KT_CHECK(be->upsample2d_forward(a.data(), b.data(), 1, 2, 2, 1, 0, 1) == KERNO_ERR_INVALID_ARGUMENT,
             "%s upsample factor 0", be->name);
  }
}
