// Conv2D geometry with the products the loops need, shared by the scalar reference
// (conv2d_ref.cc) and the im2col + GEMM path (conv2d.cc); the tap walk of the scalar references
// (conv2d_ref.cc, depthwise_conv2d.cc).
#ifndef KERNO_CPU_CONV2D_GEO_H
#define KERNO_CPU_CONV2D_GEO_H

#include <cstdint>

#include "kerno/kernels.h"

namespace kerno::conv2d {

// Sizes with the products the loops need, computed once.
struct Geo {
  int64_t B, H, W, C, OH, OW, KH, KW, K, sh, sw, dh, dw, pt, pl;
  int64_t P, D, OHW;
  explicit Geo(const kerno_conv2d_params& p)
      : B(p.B), H(p.H), W(p.W), C(p.C), OH(p.OH), OW(p.OW), KH(p.KH), KW(p.KW), K(p.K),
        sh(p.stride_h), sw(p.stride_w), dh(p.dilation_h), dw(p.dilation_w), pt(p.pad_top),
        pl(p.pad_left), P(p.B * p.OH * p.OW), D(p.KH * p.KW * p.C), OHW(p.OH * p.OW) {}
  // A 1×1 stride-1 unpadded conv: the NHWC input is already the (P,C) im2col matrix.
  bool pointwise() const { return KH == 1 && KW == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0; }
};

// Calls f(o, t, i) for every tap of every output pixel that falls inside the input: o the output
// pixel (B·OH·OW order), t the kernel tap (kh·KW + kw), i the input pixel (B·H·W order). Each
// pixel's taps come in (kh, kw) order, so sums over them run in the order of the naive loops.
// G is any geometry with the window fields (this Geo, the depthwise one).
template <class G, class F>
void for_each_tap(const G& g, F&& f) {
  for (int64_t b = 0; b < g.B; ++b)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        for (int64_t kh = 0; kh < g.KH; ++kh)
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            int64_t ih = oh * g.sh - g.pt + kh * g.dh, iw = ow * g.sw - g.pl + kw * g.dw;
            if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
            f((b * g.OH + oh) * g.OW + ow, kh * g.KW + kw, (b * g.H + ih) * g.W + iw);
          }
}

}  // namespace kerno::conv2d

#endif
