// Conv2D geometry with the products the loops need, shared by the scalar reference
// (conv2d_ref.cc) and the im2col + GEMM path (conv2d.cc).
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

}  // namespace kerno::conv2d

#endif
