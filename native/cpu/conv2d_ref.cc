// Conv2D scalar reference: the definition every faster path (conv2d.cc, conv2d_avx2.cc, the CUDA
// kernels) is tested against, kept as plain loops forever. Semantics and notation: conv2d.cc.
#include <cstdint>

#include "cpu/conv2d_epilogue.h"
#include "cpu/conv2d_geo.h"
#include "cpu/ops.h"
#include "cpu/ops_conv.h"

namespace kerno {

using checks::conv2d_check;
using conv2d::Geo;
using conv2d::for_each_tap;

// out (B,OH,OW,K) = act(conv(inp (B,H,W,C), kernel (KH,KW,C,K)) + bias (K)); bias may be NULL.
// The activation runs afterwards through the reference activation (what fusing must reproduce).
kerno_status ref_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                const kerno_conv2d_params* p) {
  kerno_status s = conv_check_forward(p, out && inp && kernel);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  for (int64_t o = 0; o < g.P; ++o)
    for (int64_t k = 0; k < g.K; ++k) out[o * g.K + k] = bias ? bias[k] : 0.f;
  for_each_tap(g, [&](int64_t o, int64_t t, int64_t i) {
    for (int64_t c = 0; c < g.C; ++c) {
      float x = inp[i * g.C + c];
      const float* kr = kernel + (t * g.C + c) * g.K;
      for (int64_t k = 0; k < g.K; ++k) out[o * g.K + k] += x * kr[k];
    }
  });
  if (p->act.kind == KERNO_ACT_LINEAR) return KERNO_OK;
  return ref_activation_forward(out, out, g.P * g.K, &p->act);
}

// dinp (B,H,W,C) += Σ over the windows reading each input element of dout (B,OH,OW,K) · kernel.
kerno_status ref_conv2d_backward_data(float* dinp, const float* dout, const float* kernel,
                                      const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dinp && dout && kernel);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  for_each_tap(g, [&](int64_t o, int64_t t, int64_t i) {
    const float* d = dout + o * g.K;
    for (int64_t c = 0; c < g.C; ++c) {
      const float* kr = kernel + (t * g.C + c) * g.K;
      float acc = 0.f;
      for (int64_t k = 0; k < g.K; ++k) acc += d[k] * kr[k];
      dinp[i * g.C + c] += acc;
    }
  });
  return KERNO_OK;
}

// dkernel (KH,KW,C,K) += Σ_pixels inp window · dout; dbias (K, may be NULL) += Σ_pixels dout.
kerno_status ref_conv2d_backward_filter(float* dkernel, float* dbias, const float* dout, const float* inp,
                                        const kerno_conv2d_params* p) {
  kerno_status s = conv2d_check(p, dkernel && dout && inp);
  if (s != KERNO_OK || p->B == 0) return s;
  Geo g(*p);
  if (dbias)
    for (int64_t o = 0; o < g.P; ++o)
      for (int64_t k = 0; k < g.K; ++k) dbias[k] += dout[o * g.K + k];
  for_each_tap(g, [&](int64_t o, int64_t t, int64_t i) {
    const float* d = dout + o * g.K;
    for (int64_t c = 0; c < g.C; ++c) {
      float x = inp[i * g.C + c];
      float* dk = dkernel + (t * g.C + c) * g.K;
      for (int64_t k = 0; k < g.K; ++k) dk[k] += x * d[k];
    }
  });
  return KERNO_OK;
}

}  // namespace kerno
