// ZeroPadding2D, Cropping2D and UpSampling2D (nearest) over NHWC tensors on the GPU, the CUDA twin
// of native/cpu/pad2d.cc. B = batch, H, W, C = the smaller tensor's spatial size and channels; the
// larger tensor of padding/cropping is (B, PH, PW, C) with PH = H + top + bottom,
// PW = W + left + right; upsampling's output is (B, H·sh, W·sw, C).
//
// One thread per element of the tensor each kernel walks (channels fastest, so warps are
// contiguous); every output element has one owner, so the accumulating kernels need no atomics.
// Upsampling's backward adds a pixel's sh·sw copies in the CPU's order (rows, then columns)
// starting from the value already in dinp.
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cuda/common.cuh"
#include "cuda/conv_ops.h"

namespace kerno::cuda {

// Validation shared with the CPU.
using checks::pad2d_check;
using checks::upsample2d_check;

namespace {

struct PadGeo {
  int64_t B, H, W, C, top, left, PH, PW;
};

// Flat index in the larger tensor of the smaller tensor's element s.
__device__ __forceinline__ int64_t big_index(int64_t s, const PadGeo& g) {
  int64_t c, w, h;
  int64_t pix = div_mod(s, g.C, &c), t = div_mod(pix, g.W, &w), b = div_mod(t, g.H, &h);
  return ((b * g.PH + h + g.top) * g.PW + w + g.left) * g.C + c;
}

// out (larger) = inp surrounded by zeros.
__global__ void zero_pad_forward_kernel(float* __restrict__ out, const float* __restrict__ inp, const __grid_constant__ PadGeo g) {
  const int64_t total = g.B * g.PH * g.PW * g.C;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    int64_t c, pw, ph;
    int64_t pix = div_mod(i, g.C, &c), t = div_mod(pix, g.PW, &pw), b = div_mod(t, g.PH, &ph);
    const int64_t h = ph - g.top, w = pw - g.left;
    const bool in = h >= 0 && h < g.H && w >= 0 && w < g.W;
    out[i] = in ? __ldg(inp + ((b * g.H + h) * g.W + w) * g.C + c) : 0.f;
  }
}

// Over the smaller tensor's elements s, with b = big_index(s): the interior map in three directions.
enum class Interior { kPadBack, kCrop, kCropBack };

template <Interior kOp>
__global__ void interior_kernel(float* __restrict__ dst, const float* __restrict__ src, const __grid_constant__ PadGeo g) {
  const int64_t total = g.B * g.H * g.W * g.C;
  for (int64_t s = grid_start(); s < total; s += grid_stride()) {
    const int64_t big = big_index(s, g);
    if (kOp == Interior::kPadBack) dst[s] += __ldg(src + big);   // dinp (small) += dout (big) interior
    if (kOp == Interior::kCrop) dst[s] = __ldg(src + big);       // out (small) = inp (big) interior
    if (kOp == Interior::kCropBack) dst[big] += __ldg(src + s);  // dinp (big) interior += dout (small)
  }
}

__global__ void upsample_forward_kernel(float* __restrict__ out, const float* __restrict__ inp, int64_t B, int64_t H,
                                        int64_t W, int64_t C, int64_t sh, int64_t sw) {
  const int64_t OH = H * sh, OW = W * sw, total = B * OH * OW * C;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    int64_t c, ow, oh, rh, rw;
    int64_t pix = div_mod(i, C, &c), t = div_mod(pix, OW, &ow), b = div_mod(t, OH, &oh);
    out[i] = __ldg(inp + ((b * H + div_mod(oh, sh, &rh)) * W + div_mod(ow, sw, &rw)) * C + c);
  }
}

__global__ void upsample_backward_kernel(float* __restrict__ dinp, const float* __restrict__ dout, int64_t B,
                                         int64_t H, int64_t W, int64_t C, int64_t sh, int64_t sw) {
  const int64_t OH = H * sh, OW = W * sw, total = B * H * W * C;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    int64_t c, w, h;
    int64_t pix = div_mod(i, C, &c), t = div_mod(pix, W, &w), b = div_mod(t, H, &h);
    float acc = dinp[i];
    for (int64_t a = 0; a < sh; ++a) {
      const float* row = dout + ((b * OH + h * sh + a) * OW + w * sw) * C + c;
      for (int64_t q = 0; q < sw; ++q) acc += __ldg(row + q * C);
    }
    dinp[i] = acc;
  }
}

PadGeo geo_of(const kerno_pad2d_params& p) {
  return PadGeo{p.B, p.H, p.W, p.C, p.top, p.left, p.H + p.top + p.bottom, p.W + p.left + p.right};
}

template <Interior kOp>
kerno_status interior(float* dst, const float* src, const kerno_pad2d_params* p) {
  kerno_status s = pad2d_check(dst, src, p);
  if (s != KERNO_OK || p->B == 0 || p->C == 0) return s;
  const PadGeo g = geo_of(*p);
  const int64_t total = g.B * g.H * g.W * g.C;
  if (total == 0) return KERNO_OK;
  interior_kernel<kOp><<<grid_for(total), 256, 0, stream()>>>(dst, src, g);
  return launch_status();
}

}  // namespace

kerno_status zero_pad2d_forward(float* out, const float* inp, const kerno_pad2d_params* p) {
  kerno_status s = pad2d_check(out, inp, p);
  if (s != KERNO_OK || p->B == 0 || p->C == 0) return s;
  const PadGeo g = geo_of(*p);
  const int64_t total = g.B * g.PH * g.PW * g.C;
  if (total == 0) return KERNO_OK;
  zero_pad_forward_kernel<<<grid_for(total), 256, 0, stream()>>>(out, inp, g);
  return launch_status();
}

kerno_status zero_pad2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p) {
  return interior<Interior::kPadBack>(dinp, dout, p);
}

kerno_status crop2d_forward(float* out, const float* inp, const kerno_pad2d_params* p) {
  return interior<Interior::kCrop>(out, inp, p);
}

kerno_status crop2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p) {
  return interior<Interior::kCropBack>(dinp, dout, p);
}

kerno_status upsample2d_forward(float* out, const float* inp, int64_t B, int64_t H, int64_t W, int64_t C, int64_t sh,
                                int64_t sw) {
  kerno_status s = upsample2d_check(out, inp, B, H, W, C, sh, sw);
  if (s != KERNO_OK || B * H * W * C == 0) return s;
  upsample_forward_kernel<<<grid_for(B * H * sh * W * sw * C), 256, 0, stream()>>>(out, inp, B, H, W, C, sh, sw);
  return launch_status();
}

kerno_status upsample2d_backward(float* dinp, const float* dout, int64_t B, int64_t H, int64_t W, int64_t C,
                                 int64_t sh, int64_t sw) {
  kerno_status s = upsample2d_check(dinp, dout, B, H, W, C, sh, sw);
  if (s != KERNO_OK || B * H * W * C == 0) return s;
  upsample_backward_kernel<<<grid_for(B * H * W * C), 256, 0, stream()>>>(dinp, dout, B, H, W, C, sh, sw);
  return launch_status();
}

}  // namespace kerno::cuda
