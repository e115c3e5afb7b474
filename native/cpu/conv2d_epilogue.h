// The output stage of the conv-family forward kernels (conv2d.cc, conv2d_avx2.cc,
// depthwise_conv2d.cc): bias, then the fused activation of kerno_conv2d_params.act, applied to a
// block of output rows while it is still in cache instead of in separate passes over the whole
// output. K = output channels per row.
//
// Any kind other than ReLU runs through cpu_activation_forward (activation.cc), so a fused conv
// gives bit-for-bit the output of the unfused conv followed by the backend's activation_forward:
// fusing changes speed, never results. ReLU is inlined here (and in registers by the AVX2 direct
// kernels) with activation.cc's exact formula: x < 0 ? 0 : x (NaN and −0 pass through).
#ifndef KERNO_CPU_CONV2D_EPILOGUE_H
#define KERNO_CPU_CONV2D_EPILOGUE_H

#include <cstdint>

#include "cpu/arg_checks.h"
#include "kerno/kernels.h"

namespace kerno {

// The forward convolutions' checks: the geometry and pointers of checks::conv2d_check, and a
// fused activation that names a kerno_activation_kind (checked even for an empty batch).
inline kerno_status conv_check_forward(const kerno_conv2d_params* p, bool ok_pointers) {
  if (p && !checks::act_kind_valid(p->act.kind)) return KERNO_ERR_INVALID_ARGUMENT;
  return checks::conv2d_check(p, ok_pointers);
}

// out (n,K) = act(out + bias (K)); bias may be NULL. Nothing to do for a linear act without bias.
// Threads over rows when called outside a parallel region (nested calls run inline).
void conv_output_stage(float* out, const float* bias, int64_t n, int64_t K, const kerno_activation_params& act);

}  // namespace kerno

#endif
