// Conv2D direct kernels for thin im2col rows (conv2d_avx2.cc), called by conv2d.cc in place of
// im2col + GEMM when the row D = KH·KW·C is short (a first layer on 1–3 channels). Same
// semantics as the cpu_conv2d_* entry points; geometry and pointers are checked by the caller.
// B = batch, H, W = input spatial, C = channels, K = filters, D = KH·KW·C.
#ifndef KERNO_CPU_CONV2D_DIRECT_H
#define KERNO_CPU_CONV2D_DIRECT_H

#include "kerno/kernels.h"

namespace kerno {

// Rows shorter than this take the direct kernels (the gathered block lives on the stack).
constexpr int64_t kConv2dDirectMaxD = 32;

// Whether the AVX2 direct kernels take p: D < kConv2dDirectMaxD and K % 8 == 0 (whole vectors of
// filters). The caller also checks that the CPU runs AVX2 + FMA.
bool conv2d_direct_avx2_fits(const kerno_conv2d_params* p);

// Whether conv2d_direct_forward_avx2 takes p at any row length D: K % 8 == 0 and KH below
// kConv2dDirectMaxD (its row-pointer tables). Rows of D ≥ kConv2dDirectMaxD use a 6-pixel ×
// 16-filter register block, as a GEMM micro-kernel, reading the windows in place (no im2col).
bool conv2d_direct_forward_avx2_fits(const kerno_conv2d_params* p);

// out (B,OH,OW,K) = act(conv(inp (B,H,W,C), kernel (KH,KW,C,K)) + bias (K, may be NULL)).
kerno_status conv2d_direct_forward_avx2(float* out, const float* inp, const float* kernel, const float* bias,
                                        const kerno_conv2d_params* p);
// Whether conv2d_direct_transposed_avx2 takes p: stride 1, C % 8 == 0, KH below kConv2dDirectMaxD.
bool conv2d_direct_transposed_avx2_fits(const kerno_conv2d_params* p);
// dinp (B,H,W,C) += the input gradient of dout (B,OH,OW,K), as the direct forward kernel run on
// dout with the kernel flipped and transposed (any row length; stride 1).
kerno_status conv2d_direct_transposed_avx2(float* dinp, const float* dout, const float* kernel,
                                           const kerno_conv2d_params* p);
// dinp (B,H,W,C) += the input gradient of dout (B,OH,OW,K).
kerno_status conv2d_direct_backward_data_avx2(float* dinp, const float* dout, const float* kernel,
                                              const kerno_conv2d_params* p);
// dkernel (KH,KW,C,K) += Σ_pixels window ⊗ dout; dbias (K, may be NULL) += Σ_pixels dout.
kerno_status conv2d_direct_backward_filter_avx2(float* dkernel, float* dbias, const float* dout, const float* inp,
                                                const kerno_conv2d_params* p);

}  // namespace kerno

#endif
