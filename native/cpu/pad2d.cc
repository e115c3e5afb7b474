// ZeroPadding2D, Cropping2D and UpSampling2D (nearest) over NHWC tensors, forward and backward.
// B = batch, H, W, C = the smaller tensor's spatial size and channels; the larger tensor of
// padding/cropping is (B, PH, PW, C) with PH = H + top + bottom, PW = W + left + right;
// upsampling's output is (B, H·sh, W·sw, C).
//
// Zero padding and cropping are the same index map run in opposite directions, so both go through
// one row copier. The fast versions thread over (batch × larger-tensor rows) and copy whole
// rows of W·C contiguous floats.
#include <algorithm>
#include <cstring>

#include "cpu/arg_checks.h"
#include "cpu/ops_layers.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::pad2d_check;
using checks::upsample2d_check;

namespace {

struct PadGeom {
  int64_t PH, PW, C, row_big, row_small;
  explicit PadGeom(const kerno_pad2d_params& p)
      : PH(p.H + p.top + p.bottom), PW(p.W + p.left + p.right), C(p.C), row_big(PW * p.C), row_small(p.W * p.C) {}
};

// Direction of a row operation between the larger (big) and smaller tensor.
enum class Op { kPad, kPadBack, kCrop, kCropBack };

// Larger-tensor row r = b·PH + ph: big (PW,C) row, small (W,C) row or none outside the interior.
void row_op(Op op, float* dst, const float* src, const kerno_pad2d_params& p, const PadGeom& g, int64_t r) {
  const int64_t b = r / g.PH, h = r % g.PH - p.top;
  const bool inside = h >= 0 && h < p.H;
  const int64_t big = r * g.row_big, lead = p.left * g.C;
  const int64_t small = (b * p.H + h) * g.row_small;
  switch (op) {
    case Op::kPad:  // dst big, src small
      if (!inside) {
        std::fill(dst + big, dst + big + g.row_big, 0.f);
        return;
      }
      std::fill(dst + big, dst + big + lead, 0.f);
      std::memcpy(dst + big + lead, src + small, sizeof(float) * g.row_small);
      std::fill(dst + big + lead + g.row_small, dst + big + g.row_big, 0.f);
      return;
    case Op::kCrop:  // dst small, src big
      if (inside) std::memcpy(dst + small, src + big + lead, sizeof(float) * g.row_small);
      return;
    case Op::kPadBack:  // dst small += src big interior
      if (inside)
        for (int64_t i = 0; i < g.row_small; ++i) dst[small + i] += src[big + lead + i];
      return;
    case Op::kCropBack:  // dst big interior += src small
      if (inside)
        for (int64_t i = 0; i < g.row_small; ++i) dst[big + lead + i] += src[small + i];
      return;
  }
}

// Scalar reference of the interior map: after the argument checks, calls f(small, big) for every
// element of the smaller tensor, with its flat index there and the flat index of the same element
// inside the larger tensor's interior. Padding's backward and cropping's forward and backward are
// this one map with a different assignment.
template <class F>
kerno_status ref_interior(const void* dst, const void* src, const kerno_pad2d_params* p, F&& f) {
  kerno_status s = pad2d_check(dst, src, p);
  if (s != KERNO_OK || p->B == 0 || p->C == 0) return s;
  const PadGeom g(*p);
  for (int64_t b = 0; b < p->B; ++b)
    for (int64_t h = 0; h < p->H; ++h)
      for (int64_t w = 0; w < p->W; ++w)
        for (int64_t c = 0; c < p->C; ++c)
          f(((b * p->H + h) * p->W + w) * p->C + c, ((b * g.PH + h + p->top) * g.PW + w + p->left) * p->C + c);
  return KERNO_OK;
}

kerno_status pad_family(Op op, float* dst, const float* src, const kerno_pad2d_params* p) {
  kerno_status s = pad2d_check(dst, src, p);
  if (s != KERNO_OK || p->B == 0 || p->C == 0) return s;
  const kerno_pad2d_params q = *p;
  const PadGeom g(q);
  const int64_t rows = q.B * g.PH;
  parallel_for(rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(g.row_big, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) row_op(op, dst, src, q, g, r);
  });
  return KERNO_OK;
}

}  // namespace

// ---------------------------------------------------------------- scalar reference

kerno_status ref_zero_pad2d_forward(float* out, const float* inp, const kerno_pad2d_params* p) {
  kerno_status s = pad2d_check(out, inp, p);
  if (s != KERNO_OK || p->B == 0 || p->C == 0) return s;
  const PadGeom g(*p);
  for (int64_t b = 0; b < p->B; ++b)
    for (int64_t h = 0; h < g.PH; ++h)
      for (int64_t w = 0; w < g.PW; ++w)
        for (int64_t c = 0; c < p->C; ++c) {
          int64_t ih = h - p->top, iw = w - p->left;
          bool in = ih >= 0 && ih < p->H && iw >= 0 && iw < p->W;
          out[((b * g.PH + h) * g.PW + w) * p->C + c] = in ? inp[((b * p->H + ih) * p->W + iw) * p->C + c] : 0.f;
        }
  return KERNO_OK;
}

kerno_status ref_zero_pad2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p) {
  return ref_interior(dinp, dout, p, [&](int64_t small, int64_t big) { dinp[small] += dout[big]; });
}

kerno_status ref_crop2d_forward(float* out, const float* inp, const kerno_pad2d_params* p) {
  return ref_interior(out, inp, p, [&](int64_t small, int64_t big) { out[small] = inp[big]; });
}

kerno_status ref_crop2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p) {
  return ref_interior(dinp, dout, p, [&](int64_t small, int64_t big) { dinp[big] += dout[small]; });
}

kerno_status ref_upsample2d_forward(float* out, const float* inp, int64_t B, int64_t H, int64_t W, int64_t C,
                                    int64_t sh, int64_t sw) {
  kerno_status s = upsample2d_check(out, inp, B, H, W, C, sh, sw);
  if (s != KERNO_OK) return s;
  const int64_t OH = H * sh, OW = W * sw;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t c = 0; c < C; ++c)
          out[((b * OH + oh) * OW + ow) * C + c] = inp[((b * H + oh / sh) * W + ow / sw) * C + c];
  return KERNO_OK;
}

kerno_status ref_upsample2d_backward(float* dinp, const float* dout, int64_t B, int64_t H, int64_t W,
                                     int64_t C, int64_t sh, int64_t sw) {
  kerno_status s = upsample2d_check(dinp, dout, B, H, W, C, sh, sw);
  if (s != KERNO_OK) return s;
  const int64_t OH = H * sh, OW = W * sw;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t c = 0; c < C; ++c)
          dinp[((b * H + oh / sh) * W + ow / sw) * C + c] += dout[((b * OH + oh) * OW + ow) * C + c];
  return KERNO_OK;
}

// ---------------------------------------------------------------- fast CPU

kerno_status cpu_zero_pad2d_forward(float* out, const float* inp, const kerno_pad2d_params* p) {
  return pad_family(Op::kPad, out, inp, p);
}
kerno_status cpu_zero_pad2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p) {
  return pad_family(Op::kPadBack, dinp, dout, p);
}
kerno_status cpu_crop2d_forward(float* out, const float* inp, const kerno_pad2d_params* p) {
  return pad_family(Op::kCrop, out, inp, p);
}
kerno_status cpu_crop2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p) {
  return pad_family(Op::kCropBack, dinp, dout, p);
}

kerno_status cpu_upsample2d_forward(float* out, const float* inp, int64_t B, int64_t H, int64_t W, int64_t C,
                                    int64_t sh, int64_t sw) {
  kerno_status s = upsample2d_check(out, inp, B, H, W, C, sh, sw);
  if (s != KERNO_OK || B * H * W * C == 0) return s;
  const int64_t OW = W * sw;
  // One input row (b, h) makes sh identical output rows: build the first, copy it sh − 1 times.
  parallel_for(B * H, std::max<int64_t>(1, 65536 / (OW * C * sh)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* x = inp + r * W * C;
      float* o = out + r * sh * OW * C;
      for (int64_t w = 0; w < W; ++w)
        for (int64_t j = 0; j < sw; ++j) std::memcpy(o + (w * sw + j) * C, x + w * C, sizeof(float) * C);
      for (int64_t i = 1; i < sh; ++i) std::memcpy(o + i * OW * C, o, sizeof(float) * OW * C);
    }
  });
  return KERNO_OK;
}

kerno_status cpu_upsample2d_backward(float* dinp, const float* dout, int64_t B, int64_t H, int64_t W,
                                     int64_t C, int64_t sh, int64_t sw) {
  kerno_status s = upsample2d_check(dinp, dout, B, H, W, C, sh, sw);
  if (s != KERNO_OK || B * H * W * C == 0) return s;
  const int64_t OW = W * sw;
  parallel_for(B * H, std::max<int64_t>(1, 65536 / (OW * C * sh)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* d = dinp + r * W * C;
      const float* g = dout + r * sh * OW * C;
      for (int64_t i = 0; i < sh; ++i)
        for (int64_t w = 0; w < W; ++w)
          for (int64_t j = 0; j < sw; ++j) {
            const float* gg = g + (i * OW + w * sw + j) * C;
            float* dd = d + w * C;
            for (int64_t c = 0; c < C; ++c) dd[c] += gg[c];
          }
    }
  });
  return KERNO_OK;
}

}  // namespace kerno
