// Internal declarations of the convolution kernels (conv2d.cc, depthwise_conv2d.cc): the scalar
// references (`ref_*`, kept forever) and the fast CPU versions (`cpu_*`), which take the
// backend's GEMM so registry.cc can instantiate them per SIMD level. Shapes and semantics are
// those of the kerno_backend table entries (kernels.h): NHWC activations, HWIO kernels.
#ifndef KERNO_CPU_OPS_CONV_H
#define KERNO_CPU_OPS_CONV_H

#include <cstddef>

#include "cpu/arg_checks.h"
#include "cpu/ops.h"

namespace kerno {

// Shared validation of the geometry (arg_checks.h, shared with the CUDA backend): every size ≥ 1
// (B ≥ 0), pads ≥ 0, OH/OW ≥ 1 and large enough to cover the input as a 'valid' conv would, and
// the last window starting on a real row/column (so the implied bottom/right pad is at most the
// window).
using checks::conv2d_check_geometry;

// conv2d.cc
kerno_status ref_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                const kerno_conv2d_params* p);
kerno_status ref_conv2d_backward_data(float* dinp, const float* dout, const float* kernel,
                                      const kerno_conv2d_params* p);
kerno_status ref_conv2d_backward_filter(float* dkernel, float* dbias, const float* dout, const float* inp,
                                        const kerno_conv2d_params* p);
kerno_status cpu_conv2d_forward(gemm_fn gemm, float* out, const float* inp, const float* kernel,
                                const float* bias, const kerno_conv2d_params* p);
kerno_status cpu_conv2d_backward_data(gemm_fn gemm, float* dinp, const float* dout, const float* kernel,
                                      const kerno_conv2d_params* p);
kerno_status cpu_conv2d_backward_filter(gemm_fn gemm, float* dkernel, float* dbias, const float* dout,
                                        const float* inp, const kerno_conv2d_params* p);

// The im2col scratch budget in floats per call (default 1 Mi floats = 4 MiB). Tests lower it to
// force many tiles, including tiles that split an image; 0 restores the default.
void conv2d_set_scratch_budget(size_t floats);
// The path of forward and backward-data for rows D ≥ 32 (not 1×1) on AVX2 backends: the built-in
// choice (auto), or forced to im2col + GEMM, to the direct kernels or to Winograd's F(2×2, 3×3)
// where they apply, so tests and benchmarks reach each.
constexpr int kConv2dPathAuto = 0, kConv2dPathGemm = 1, kConv2dPathDirect = 2, kConv2dPathWinograd = 3;
void conv2d_set_path(int path);
// Floats of im2col scratch the fast im2col + GEMM kernels use for p at the current thread count,
// all threads together (0 for the direct 1×1 GEMM path); reported by the benchmark.
size_t conv2d_scratch_floats(const kerno_conv2d_params* p);

// depthwise_conv2d.cc (M = p->K, the depth multiplier)
kerno_status ref_depthwise_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                          const kerno_conv2d_params* p);
kerno_status ref_depthwise_conv2d_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                           const float* inp, const float* kernel, const kerno_conv2d_params* p);
kerno_status cpu_depthwise_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                          const kerno_conv2d_params* p);
kerno_status cpu_depthwise_conv2d_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                           const float* inp, const float* kernel, const kerno_conv2d_params* p);

}  // namespace kerno

#endif
