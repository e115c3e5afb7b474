// Conv2D by Winograd's F(2×2, 3×3) on AVX2 + FMA (conv2d_winograd.cc): 3×3, stride 1, no
// dilation, any padding. conv2d.cc calls these only for backends whose GEMM requires AVX2.
#ifndef KERNO_CPU_CONV2D_WINOGRAD_H
#define KERNO_CPU_CONV2D_WINOGRAD_H

#include "kerno/kernels.h"

namespace kerno {

// Whether the forward takes p: 3×3, stride 1, no dilation, C % 8 == 0, K % 16 == 0, both ≥ 16,
// C·K ≤ 16384, and a linear or ReLU activation (applied in registers).
bool conv2d_winograd_forward_fits(const kerno_conv2d_params* p);
// Whether backward-data takes p: as the forward with the channel roles swapped (K % 8, C % 16).
bool conv2d_winograd_backward_data_fits(const kerno_conv2d_params* p);

// Whether backward-filter takes p: the forward's shape conditions.
bool conv2d_winograd_backward_filter_fits(const kerno_conv2d_params* p);

// out (B,OH,OW,K) = act(conv + bias); writes out. bias may be NULL.
kerno_status conv2d_winograd_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                     const kerno_conv2d_params* p);
// dkernel (3,3,C,K) += the kernel gradient of dout (B,OH,OW,K) given inp (B,H,W,C); the bias
// gradient is the caller's.
kerno_status conv2d_winograd_backward_filter(float* dkernel, const float* dout, const float* inp,
                                             const kerno_conv2d_params* p);
// dinp (B,H,W,C) += the input gradient of dout (B,OH,OW,K).
kerno_status conv2d_winograd_backward_data(float* dinp, const float* dout, const float* kernel,
                                           const kerno_conv2d_params* p);

}  // namespace kerno

#endif
