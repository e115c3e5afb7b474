// Losses on the GPU: per-sample forward and the gradient of the weighted batch loss.
// B = batch, C = classes (features for the binary and regression losses).
//
// Every formula, clip and label-smoothing rule is native/cpu/loss.cc's (Keras 3 on TensorFlow;
// see that file for the derivations), including the float operation order where it matters
// (the categorical gradient's correction term is summed in double, as there). One warp per
// row: lanes stride over the classes and combine with shuffles in a fixed order.
//
// What differs from the CPU: sparse class indices live on the device, so an index that is not
// an integer in [0, C) cannot be refused before launching without a host round trip per call.
// Such a row's outputs are written as NaN and the deferred status (common.cuh) is set; the next
// synchronize() or mem_download() returns KERNO_ERR_INVALID_ARGUMENT. All host-side checks
// (kind, B, C, label smoothing, Huber δ, NULL pointers) are immediate, as on the CPU.
#include <cuda_runtime.h>

#include <cmath>

#include "cpu/arg_checks.h"
#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {

// The host-side checks, shared with the CPU (the index check runs on the device).
using checks::loss_check_args;

namespace {

constexpr float kEps = 1e-7f;
constexpr float kOneMinusEps = 1.f - 1e-7f;  // 0.99999988f, as TF casts Python's 1 - 1e-7
constexpr int kWarpsPerBlock = 8;

__host__ __device__ inline bool is_sparse(int32_t kind) {
  return kind == KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY || kind == KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY;
}

// Per-call constants: the smoothed target is t·keep + add (categorical: ls/C, binary: ls/2,
// other kinds: identity).
struct LossArgs {
  int kind;
  float keep, add;
  float delta;
  float inv_b;
  int* deferred;
};

LossArgs make_args(const kerno_loss_params* p, int64_t B, int64_t C) {
  LossArgs a{p->kind, 1.f, 0.f, p->delta, B > 0 ? 1.f / static_cast<float>(B) : 0.f, nullptr};
  float ls = p->label_smoothing;
  if (ls != 0.f) {
    switch (p->kind) {
      case KERNO_LOSS_CATEGORICAL_CROSSENTROPY:
      case KERNO_LOSS_SOFTMAX_CROSSENTROPY: a.keep = 1.f - ls, a.add = ls / static_cast<float>(C); break;
      case KERNO_LOSS_BINARY_CROSSENTROPY:
      case KERNO_LOSS_SIGMOID_CROSSENTROPY: a.keep = 1.f - ls, a.add = 0.5f * ls; break;
      default: break;
    }
  }
  return a;
}

__device__ __forceinline__ float smooth(const LossArgs& a, float t) { return t * a.keep + a.add; }
__device__ __forceinline__ float clip_prob(float p) { return fminf(fmaxf(p, kEps), kOneMinusEps); }
__device__ __forceinline__ bool in_clip_range(float p) { return p >= kEps && p <= kOneMinusEps; }
__device__ __forceinline__ float sigmoid(float z) {
  float e = expf(-fabsf(z));
  return z >= 0.f ? 1.f / (1.f + e) : e / (1.f + e);
}
__device__ __forceinline__ float huber(float e, float delta) {
  float a = fabsf(e);
  return a <= delta ? 0.5f * (e * e) : delta * a - 0.5f * (delta * delta);
}

// The class index of a sparse row, or -1 when it is not an integer in [0, C) (NaN included).
__device__ __forceinline__ int64_t class_index(float v, int64_t C) {
  return (v >= 0.f && v < static_cast<float>(C) && v == floorf(v)) ? static_cast<int64_t>(v) : -1;
}

// Σ z and Σ clip(z) over a row, on every lane (lanes stride the columns, then a shuffle sum).
__device__ __forceinline__ float row_sum(const float* z, int64_t C, int lane) {
  float s = 0.f;
  for (int64_t c = lane; c < C; c += 32) s += z[c];
  return warp_sum(s);
}
__device__ __forceinline__ float row_clipped_sum(const float* z, int64_t C, int lane) {
  float s = 0.f;
  for (int64_t c = lane; c < C; c += 32) s += clip_prob(z[c]);
  return warp_sum(s);
}

// Row max and Σ exp(z − max) of a row, on every lane.
__device__ __forceinline__ void row_logsumexp_parts(const float* z, int64_t C, int lane, float* m, float* s) {
  float mx = -INFINITY;
  for (int64_t c = lane; c < C; c += 32) mx = fmaxf(mx, z[c]);
  mx = warp_max(mx);
  float sum = 0.f;
  for (int64_t c = lane; c < C; c += 32) sum += expf(z[c] - mx);
  *m = mx;
  *s = warp_sum(sum);
}

// loss (B): one warp per row.
__global__ void loss_forward_kernel(float* loss, const float* __restrict__ pred, const float* __restrict__ target,
                                    int64_t B, int64_t C, LossArgs a) {
  const int lane = threadIdx.x & 31;
  const int64_t b = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (b >= B) return;
  const float* z = pred + b * C;
  const float* t = target + b * C;
  const float inv_c = 1.f / static_cast<float>(C);
  float v = 0.f;
  switch (a.kind) {
    case KERNO_LOSS_CATEGORICAL_CROSSENTROPY: {
      const float S = row_sum(z, C, lane);
      float acc = 0.f;
      for (int64_t c = lane; c < C; c += 32) acc += smooth(a, t[c]) * logf(clip_prob(z[c] / S));
      v = -warp_sum(acc);
      break;
    }
    case KERNO_LOSS_SOFTMAX_CROSSENTROPY: {
      float m, s;
      row_logsumexp_parts(z, C, lane, &m, &s);
      float lse = m + logf(s), acc = 0.f;
      for (int64_t c = lane; c < C; c += 32) acc += smooth(a, t[c]) * (lse - z[c]);
      v = warp_sum(acc);
      break;
    }
    case KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY: {
      const int64_t k = class_index(target[b], C);
      const float Q = row_clipped_sum(z, C, lane);
      v = k < 0 ? NAN : logf(Q) - logf(clip_prob(z[k]));
      break;
    }
    case KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY: {
      const int64_t k = class_index(target[b], C);
      float m, s;
      row_logsumexp_parts(z, C, lane, &m, &s);
      v = k < 0 ? NAN : m + logf(s) - z[k];
      break;
    }
    case KERNO_LOSS_BINARY_CROSSENTROPY: {
      float acc = 0.f;
      for (int64_t c = lane; c < C; c += 32) {
        float q = clip_prob(z[c]), tc = smooth(a, t[c]);
        acc += tc * logf(q) + (1.f - tc) * logf(1.f - q);
      }
      v = -warp_sum(acc) * inv_c;
      break;
    }
    case KERNO_LOSS_SIGMOID_CROSSENTROPY: {
      float acc = 0.f;
      for (int64_t c = lane; c < C; c += 32)
        acc += fmaxf(z[c], 0.f) - z[c] * smooth(a, t[c]) + log1pf(expf(-fabsf(z[c])));
      v = warp_sum(acc) * inv_c;
      break;
    }
    case KERNO_LOSS_MEAN_SQUARED_ERROR: {
      float acc = 0.f;
      for (int64_t c = lane; c < C; c += 32) acc += (z[c] - t[c]) * (z[c] - t[c]);
      v = warp_sum(acc) * inv_c;
      break;
    }
    case KERNO_LOSS_HUBER: {
      float acc = 0.f;
      for (int64_t c = lane; c < C; c += 32) acc += huber(z[c] - t[c], a.delta);
      v = warp_sum(acc) * inv_c;
      break;
    }
    default: {  // mean absolute error
      float acc = 0.f;
      for (int64_t c = lane; c < C; c += 32) acc += fabsf(z[c] - t[c]);
      v = warp_sum(acc) * inv_c;
      break;
    }
  }
  if (lane == 0) {
    loss[b] = v;
    if (is_sparse(a.kind) && class_index(target[b], C) < 0) defer_status(a.deferred, KERNO_ERR_INVALID_ARGUMENT);
  }
}

// dpred (B,C) = ∂/∂pred of Σ_b w_b·loss_b / B: one warp per row, scale = w_b / B.
__global__ void loss_backward_kernel(float* dpred, const float* __restrict__ pred, const float* __restrict__ target,
                                     const float* __restrict__ weight, int64_t B, int64_t C, LossArgs a) {
  const int lane = threadIdx.x & 31;
  const int64_t b = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (b >= B) return;
  const float* z = pred + b * C;
  const float* t = target + b * C;
  float* d = dpred + b * C;
  const float scale = (weight ? weight[b] : 1.f) * a.inv_b;
  switch (a.kind) {
    case KERNO_LOSS_CATEGORICAL_CROSSENTROPY: {
      // ∂/∂p_k of L(p/S) = (g_k − G)/S, g = ∂L/∂p' (0 where clipped), G = −Σ_{unclipped} t_j,
      // G in double because g_k and G nearly cancel when p' matches the target (loss.cc).
      const float S = row_sum(z, C, lane);
      double G = 0.0;
      for (int64_t c = lane; c < C; c += 32) G -= in_clip_range(z[c] / S) ? smooth(a, t[c]) : 0.f;
      G = warp_sum(G);
      for (int64_t c = lane; c < C; c += 32) {
        float q = z[c] / S, tc = smooth(a, t[c]);
        float g = in_clip_range(q) ? -tc / q : 0.f;
        d[c] = scale * static_cast<float>(g - G) / S;
      }
      break;
    }
    case KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY: {
      const int64_t k = class_index(target[b], C);
      const float Q = row_clipped_sum(z, C, lane);
      const float inv_q = 1.f / Q;
      for (int64_t c = lane; c < C; c += 32) {
        float g = inv_q - (c == k ? 1.f / clip_prob(z[c]) : 0.f);
        d[c] = k < 0 ? NAN : (in_clip_range(z[c]) ? scale * g : 0.f);
      }
      break;
    }
    case KERNO_LOSS_SOFTMAX_CROSSENTROPY: {
      float m, s;
      row_logsumexp_parts(z, C, lane, &m, &s);
      float T = 0.f;
      for (int64_t c = lane; c < C; c += 32) T += smooth(a, t[c]);
      T = warp_sum(T);
      for (int64_t c = lane; c < C; c += 32) {
        float y = expf(z[c] - m) / s;
        d[c] = scale * (y * T - smooth(a, t[c]));
      }
      break;
    }
    case KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY: {
      const int64_t k = class_index(target[b], C);
      float m, s;
      row_logsumexp_parts(z, C, lane, &m, &s);
      for (int64_t c = lane; c < C; c += 32) {
        float v = (expf(z[c] - m) / s) * scale;
        if (c == k) v -= scale;
        d[c] = k < 0 ? NAN : v;
      }
      break;
    }
    default: {  // elementwise kinds: the gradient of the mean over C
      const float sc = scale / static_cast<float>(C);
      for (int64_t c = lane; c < C; c += 32) {
        float g;
        if (a.kind == KERNO_LOSS_BINARY_CROSSENTROPY) {
          float q = clip_prob(z[c]), tc = smooth(a, t[c]);
          g = in_clip_range(z[c]) ? -tc / q + (1.f - tc) / (1.f - q) : 0.f;
        } else if (a.kind == KERNO_LOSS_SIGMOID_CROSSENTROPY) {
          g = sigmoid(z[c]) - smooth(a, t[c]);
        } else if (a.kind == KERNO_LOSS_MEAN_SQUARED_ERROR) {
          g = 2.f * (z[c] - t[c]);
        } else if (a.kind == KERNO_LOSS_HUBER) {
          float e = z[c] - t[c];
          g = fabsf(e) <= a.delta ? e : (e > 0.f ? a.delta : -a.delta);
        } else {  // mean absolute error: sign, 0 at 0
          float e = z[c] - t[c];
          g = e > 0.f ? 1.f : (e < 0.f ? -1.f : 0.f);
        }
        d[c] = sc * g;
      }
      break;
    }
  }
  if (lane == 0 && is_sparse(a.kind) && class_index(target[b], C) < 0)
    defer_status(a.deferred, KERNO_ERR_INVALID_ARGUMENT);
}

kerno_status launch(bool forward, float* out, const float* pred, const float* target, const float* weight,
                    int64_t B, int64_t C, const kerno_loss_params* p) {
  KERNO_CUDA_TRY(loss_check_args(out, pred, target, B, C, p));
  if (B == 0) return KERNO_OK;
  int64_t blocks = (B + kWarpsPerBlock - 1) / kWarpsPerBlock;
  if (blocks > 0x7fffffff) return KERNO_ERR_UNSUPPORTED;
  LossArgs a = make_args(p, B, C);
  if (is_sparse(p->kind)) {
    a.deferred = deferred_status_slot();
    if (!a.deferred) return KERNO_ERR_DEVICE;
  }
  if (forward)
    loss_forward_kernel<<<static_cast<unsigned>(blocks), 32 * kWarpsPerBlock, 0, stream()>>>(out, pred, target, B, C, a);
  else
    loss_backward_kernel<<<static_cast<unsigned>(blocks), 32 * kWarpsPerBlock, 0, stream()>>>(out, pred, target, weight,
                                                                                              B, C, a);
  return launch_status();
}

}  // namespace

kerno_status loss_forward(float* loss, const float* pred, const float* target, int64_t B, int64_t C,
                          const kerno_loss_params* p) {
  return launch(true, loss, pred, target, nullptr, B, C, p);
}

kerno_status loss_backward(float* dpred, const float* pred, const float* target, const float* weight, int64_t B,
                           int64_t C, const kerno_loss_params* p) {
  return launch(false, dpred, pred, target, weight, B, C, p);
}

}  // namespace kerno::cuda
