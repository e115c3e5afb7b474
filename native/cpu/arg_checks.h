// Argument checks of the kernels, shared by every backend (native/cpu/*.cc, native/cuda/*.cu):
// each backend must reject exactly the same arguments with the same status, in the same order,
// so the checks are written once here. Header-only: kerno_core links kerno_cuda, so the CUDA
// files cannot call functions defined in native/cpu/*.cc. Only what every backend checks on the
// host lives here; checks that need device data (a loss's sparse class indices on the GPU) and
// backend limits (KERNO_ERR_UNSUPPORTED for sizes a kernel cannot index) stay with the kernels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kerno/kernels.h"

namespace kerno::checks {

// ---------------------------------------------------------------- GEMM
// Shared so every backend's GEMM refuses the same sizes and leading dimensions.

// Sizes >= 0, C needed unless C is empty, A and B unless K = 0, leading dimensions large enough.
inline kerno_status gemm_check(const float* C, const float* A, const float* B, const kerno_gemm_params* p) {
  if (!p || p->M < 0 || p->N < 0 || p->K < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->M == 0 || p->N == 0) return KERNO_OK;
  if (!C || p->ldc < p->N) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->K == 0) return KERNO_OK;
  if (!A || !B) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->lda < (p->trans_a ? p->M : p->K)) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->ldb < (p->trans_b ? p->K : p->N)) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// ---------------------------------------------------------------- dense
// Shared so every backend's dense layer refuses the same sizes and missing pointers.

inline kerno_status dense_check_forward(const float* out, const float* inp, const float* kernel, int64_t B,
                                        int64_t I, int64_t U) {
  if (B < 0 || I < 0 || U < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (B == 0 || U == 0) return KERNO_OK;
  if (!out || (I > 0 && (!inp || !kernel))) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// dout is needed by every requested gradient; inp only by dkernel, kernel only by dinp.
inline kerno_status dense_check_backward(const float* dinp, const float* dkernel, const float* dout,
                                         const float* inp, const float* kernel, int64_t B, int64_t I, int64_t U) {
  if (B < 0 || I < 0 || U < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (B == 0 || U == 0) return KERNO_OK;
  if (!dout) return KERNO_ERR_INVALID_ARGUMENT;
  if (I > 0 && dinp && !kernel) return KERNO_ERR_INVALID_ARGUMENT;
  if (I > 0 && dkernel && !inp) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// ---------------------------------------------------------------- activations
// Shared so every backend (and the conv epilogues) accepts the same activation kinds.

inline bool act_kind_valid(int32_t kind) { return kind >= KERNO_ACT_LINEAR && kind <= KERNO_ACT_SILU; }

inline bool activation_known(const kerno_activation_params* p) { return p && act_kind_valid(p->kind); }

inline kerno_status activation_check_forward(const float* out, const float* inp, int64_t N,
                                             const kerno_activation_params* p) {
  if (!activation_known(p) || N < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (N > 0 && (!out || !inp)) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

inline kerno_status activation_check_backward(const float* dinp, const float* dout, const float* inp,
                                              const float* out, int64_t N, const kerno_activation_params* p) {
  if (!activation_known(p) || N < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (N > 0 && (!dinp || !dout || !inp || !out)) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// ---------------------------------------------------------------- softmax
// Shared so every backend's softmax refuses the same sizes and missing pointers.

inline kerno_status softmax_check_forward(const float* out, const float* inp, int64_t R, int64_t C) {
  if (R < 0 || C < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (R == 0 || C == 0) return KERNO_OK;
  return (out && inp) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

inline kerno_status softmax_check_backward(const float* dinp, const float* dout, const float* out, int64_t R,
                                           int64_t C) {
  if (R < 0 || C < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (R == 0 || C == 0) return KERNO_OK;
  return (dinp && dout && out) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

// ---------------------------------------------------------------- loss
// Shared so every backend refuses the same loss kinds, sizes and parameters up front.

// Everything but the sparse class indices (target values), which the CPU checks here after and
// the CUDA backend checks on the device (a deferred status).
inline kerno_status loss_check_args(const float* out, const float* pred, const float* target, int64_t B, int64_t C,
                                    const kerno_loss_params* p) {
  if (!p || p->kind < KERNO_LOSS_CATEGORICAL_CROSSENTROPY || p->kind > KERNO_LOSS_HUBER)
    return KERNO_ERR_INVALID_ARGUMENT;
  if (p->kind == KERNO_LOSS_HUBER && !(std::isfinite(p->delta) && p->delta > 0.f)) return KERNO_ERR_INVALID_ARGUMENT;
  if (B < 0 || C < 0 || !(p->label_smoothing >= 0.f && p->label_smoothing <= 1.f))
    return KERNO_ERR_INVALID_ARGUMENT;
  if (B == 0) return KERNO_OK;
  if (C == 0 || !out || !pred || !target) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// ---------------------------------------------------------------- random fill, dropout
// Shared so every backend refuses the same distributions, rates and missing pointers.

inline kerno_status rng_check_fill(const float* out, int64_t N, const kerno_rng_params* p) {
  if (!p || N < 0 || (N > 0 && !out)) return KERNO_ERR_INVALID_ARGUMENT;
  if (!std::isfinite(p->a) || !std::isfinite(p->b)) return KERNO_ERR_INVALID_ARGUMENT;
  switch (p->distribution) {
    case KERNO_DIST_UNIFORM: return p->a <= p->b ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
    case KERNO_DIST_NORMAL:
    case KERNO_DIST_TRUNCATED_NORMAL: return p->b >= 0.f ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
    default: return KERNO_ERR_INVALID_ARGUMENT;
  }
}

// rate in [0, 1), pointers needed when N > 0.
inline kerno_status dropout_check_forward(const void* out, const void* mask, const void* inp, int64_t N,
                                          float rate) {
  if (N < 0 || !(rate >= 0.f && rate < 1.f)) return KERNO_ERR_INVALID_ARGUMENT;
  return (N == 0 || (out && mask && inp)) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

inline kerno_status dropout_check_backward(const void* dinp, const void* dout, const void* mask, int64_t N) {
  if (N < 0 || (N > 0 && !(dinp && dout && mask))) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// ---------------------------------------------------------------- conv2d, depthwise conv2d
// Shared so every backend's convolutions accept exactly the same geometries.

// One axis: window extent d·(k−1)+1 must fit the geometry described in conv2d_check_geometry.
inline bool conv2d_axis_ok(int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t pad) {
  int64_t extent = d * (k - 1) + 1;
  if (pad < 0 || pad >= extent) return false;      // first window touches the input
  if ((out - 1) * s - pad > in - 1) return false;  // last window starts on a real row
  int64_t covered = in + pad >= extent ? (in + pad - extent) / s + 1 : 0;
  return out >= covered;                           // no tail silently dropped
}

// Elements of a (n0,n1,n2,n3) tensor of sizes >= 1, or -1 above 2^56 (never overflows: each
// partial product is compared with 2^56 before it is formed).
inline int64_t conv2d_elems(int64_t n0, int64_t n1, int64_t n2, int64_t n3) {
  const int64_t limit = int64_t{1} << 56;
  int64_t r = 1;
  for (int64_t v : {n0, n1, n2, n3}) {
    if (r > limit / v) return -1;
    r *= v;
  }
  return r;
}

// The geometry: every size ≥ 1 (B ≥ 0), pads ≥ 0, OH/OW ≥ 1 and large enough to cover the input
// as a 'valid' conv would, and the last window starting on a real row/column (so the implied
// bottom/right pad is at most the window).
inline kerno_status conv2d_check_geometry(const kerno_conv2d_params* p) {
  if (!p) return KERNO_ERR_INVALID_ARGUMENT;
  const int64_t pos[] = {p->H, p->W, p->C, p->OH, p->OW, p->KH, p->KW, p->K,
                         p->stride_h, p->stride_w, p->dilation_h, p->dilation_w};
  for (int64_t v : pos)
    if (v < 1 || v > (int64_t{1} << 31)) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->B < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (!conv2d_axis_ok(p->H, p->OH, p->KH, p->stride_h, p->dilation_h, p->pad_top) ||
      !conv2d_axis_ok(p->W, p->OW, p->KW, p->stride_w, p->dilation_w, p->pad_left))
    return KERNO_ERR_INVALID_ARGUMENT;
  int64_t b = std::max<int64_t>(p->B, 1);
  // Short-circuit order matters: KH·KW·C is formed only once KH·KW·C·K is known to be bounded.
  if (conv2d_elems(b, p->H, p->W, p->C) < 0 || conv2d_elems(b, p->OH, p->OW, p->K) < 0 ||
      conv2d_elems(p->KH, p->KW, p->C, p->K) < 0 || conv2d_elems(b, p->OH, p->OW, p->KH * p->KW * p->C) < 0)
    return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// The geometry, then the pointers (ok_pointers: the caller's test of the ones its pass needs),
// which an empty batch does not need.
inline kerno_status conv2d_check(const kerno_conv2d_params* p, bool ok_pointers) {
  kerno_status s = conv2d_check_geometry(p);
  if (s != KERNO_OK) return s;
  if (p->B == 0) return KERNO_OK;
  return ok_pointers ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

// ---------------------------------------------------------------- pooling
// Shared so every backend's pooling accepts exactly the same windows.

inline bool pool_empty(const kerno_conv2d_params* p) { return p->B == 0 || p->C == 0 || p->OH == 0 || p->OW == 0; }

// Every window must hold at least one in-bounds tap, or its max/mean would be undefined.
inline kerno_status pool_check(const void* a, const void* b, const kerno_conv2d_params* p) {
  if (!p) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->B < 0 || p->H < 0 || p->W < 0 || p->C < 0 || p->OH < 0 || p->OW < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->KH < 1 || p->KW < 1 || p->stride_h < 1 || p->stride_w < 1) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->dilation_h != 1 || p->dilation_w != 1) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->pad_top < 0 || p->pad_left < 0 || p->pad_top >= p->KH || p->pad_left >= p->KW)
    return KERNO_ERR_INVALID_ARGUMENT;
  if (pool_empty(p)) return KERNO_OK;
  if (p->H == 0 || p->W == 0) return KERNO_ERR_INVALID_ARGUMENT;
  if ((p->OH - 1) * p->stride_h - p->pad_top >= p->H || (p->OW - 1) * p->stride_w - p->pad_left >= p->W)
    return KERNO_ERR_INVALID_ARGUMENT;
  return (a && b) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

// Global pooling over S = H·W positions: S ≥ 1.
inline kerno_status pool_check_global(const void* a, const void* b, int64_t B, int64_t S, int64_t C) {
  if (B < 0 || S < 1 || C < 0) return KERNO_ERR_INVALID_ARGUMENT;
  return (B == 0 || C == 0 || (a && b)) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

// ---------------------------------------------------------------- batch normalization
// Shared so every backend refuses the same sizes, momentum and epsilon.

// need_rows: training and backward need batch statistics, so rows when there are channels.
inline kerno_status batchnorm_check(const void* a, const void* b, const kerno_batchnorm_params* p, bool need_rows) {
  if (!p || p->N < 0 || p->C < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (!std::isfinite(p->momentum) || !std::isfinite(p->epsilon) || p->epsilon < 0.f)
    return KERNO_ERR_INVALID_ARGUMENT;
  if (need_rows && p->N < 1 && p->C > 0) return KERNO_ERR_INVALID_ARGUMENT;  // no batch statistics
  if (p->N == 0 || p->C == 0) return KERNO_OK;
  return (a && b) ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

// ---------------------------------------------------------------- zero padding, cropping, upsampling
// Shared so every backend's pad/crop/upsample refuses the same sizes and missing pointers.

inline kerno_status pad2d_check(const void* a, const void* b, const kerno_pad2d_params* p) {
  if (!p || p->B < 0 || p->H < 0 || p->W < 0 || p->C < 0) return KERNO_ERR_INVALID_ARGUMENT;
  if (p->top < 0 || p->bottom < 0 || p->left < 0 || p->right < 0) return KERNO_ERR_INVALID_ARGUMENT;
  return (a && b) || p->B == 0 || p->C == 0 ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

inline kerno_status upsample2d_check(const void* a, const void* b, int64_t B, int64_t H, int64_t W, int64_t C,
                                     int64_t sh, int64_t sw) {
  if (B < 0 || H < 0 || W < 0 || C < 0 || sh < 1 || sw < 1) return KERNO_ERR_INVALID_ARGUMENT;
  return (a && b) || B * H * W * C == 0 ? KERNO_OK : KERNO_ERR_INVALID_ARGUMENT;
}

}  // namespace kerno::checks
