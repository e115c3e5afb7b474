// Losses: per-sample forward and the gradient of the weighted batch loss.
// B = batch, C = classes (features for the binary and regression losses).
//
// Keras 3 semantics on its TensorFlow backend (keras/src/losses/losses.py,
// keras/src/backend/tensorflow/nn.py, keras/src/losses/loss.py), with ε = 1e-7:
//  - categorical (probabilities): p' = p / Σp, q = clip(p', ε, 1−ε), loss = −Σ t·log q.
//    The gradient flows through the normalisation and is zero where p' was clipped (TF's
//    clip_by_value gradient passes only inside [ε, 1−ε]).
//  - sparse categorical (probabilities): q = clip(p, ε, 1−ε), then TF's sparse softmax
//    crossentropy on log q: loss = log Σ q − log q_k. Note the order differs from the dense
//    form (clip first, no normalisation before it).
//  - softmax / sparse softmax crossentropy (logits): loss = Σ t·(logsumexp(z) − z). The gradient
//    is the exact derivative softmax(z)·Σt − t; TF's fused op returns softmax(z) − t, which is
//    the same whenever the targets sum to 1 (one-hot, or smoothed one-hot).
//  - binary (probabilities): q = clip(p, ε, 1−ε), loss = mean_C −(t·log q + (1−t)·log(1−q)).
//    Keras 3 adds no ε inside the logs (Keras 2 did), on every backend.
//  - sigmoid (logits): mean_C max(z,0) − z·t + log1p(exp(−|z|)); gradient sigmoid(z) − t.
//  - MSE: mean_C (p−t)²; MAE: mean_C |p−t| with sign(0) = 0 as the gradient at p = t.
//  - Huber (keras.losses.huber): e = p−t, mean_C of 0.5·e² where |e| <= δ, else
//    δ·|e| − 0.5·δ²; gradient e or δ·sign(e) (TF's where passes the chosen branch's gradient).
//  - label_smoothing ls: categorical kinds use t·(1−ls) + ls/C, binary kinds t·(1−ls) + ls/2.
//    Keras has no label smoothing for the sparse losses or MSE/MAE/Huber, so it is ignored there.
//  - loss_backward writes dpred = ∂/∂pred of Σ_i w_i·loss_i / B ("sum over batch size").
// Arguments are validated before anything is written: B > 0 needs C > 0, a sparse target
// that is not an integer in [0, C) and a Huber δ that is not finite and > 0 are
// KERNO_ERR_INVALID_ARGUMENT.
//
// The reference runs the per-row maths below serially. The fast version runs the same rows
// split over the pool, and for the softmax kinds fills dpred with the vectorised softmax
// kernel first. Loss work is O(B·C), small beside the layers' GEMMs, so the rows keep <cmath>.
#include <cmath>
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cpu/ops.h"
#include "runtime/threadpool.h"

namespace kerno {
namespace {

constexpr float kEps = 1e-7f;
constexpr float kOneMinusEps = 1.f - 1e-7f;  // 0.99999988f, as TF casts Python's 1 - 1e-7

bool is_sparse(int32_t kind) {
  return kind == KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY || kind == KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY;
}

// A sparse target must hold an integer class index in [0, C).
bool valid_index(float v, int64_t C) {
  return v >= 0.f && v < static_cast<float>(C) && v == std::floor(v);
}

// The checks shared with the CUDA backend (arg_checks.h), then the sparse class indices, which
// the CUDA backend checks on the device.
kerno_status check(const float* out, const float* pred, const float* target, int64_t B, int64_t C,
                   const kerno_loss_params* p) {
  kerno_status s = checks::loss_check_args(out, pred, target, B, C, p);
  if (s != KERNO_OK || B == 0) return s;
  if (is_sparse(p->kind))
    for (int64_t b = 0; b < B; ++b)
      if (!valid_index(target[b], C)) return KERNO_ERR_INVALID_ARGUMENT;
  return KERNO_OK;
}

// The smoothed target t·(1−ls) + add, where add = ls/C (categorical) or ls/2 (binary); the
// sparse and regression kinds ignore ls.
struct Smooth {
  float keep = 1.f, add = 0.f;
  float operator()(float t) const { return t * keep + add; }
};
Smooth smoothing(const kerno_loss_params* p, int64_t C) {
  Smooth s;
  float ls = p->label_smoothing;
  if (ls == 0.f) return s;
  switch (p->kind) {
    case KERNO_LOSS_CATEGORICAL_CROSSENTROPY:
    case KERNO_LOSS_SOFTMAX_CROSSENTROPY: s = {1.f - ls, ls / static_cast<float>(C)}; break;
    case KERNO_LOSS_BINARY_CROSSENTROPY:
    case KERNO_LOSS_SIGMOID_CROSSENTROPY: s = {1.f - ls, 0.5f * ls}; break;
    default: break;
  }
  return s;
}

inline float clip_prob(float p) { return std::fmin(std::fmax(p, kEps), kOneMinusEps); }
inline bool in_clip_range(float p) { return p >= kEps && p <= kOneMinusEps; }
inline float sigmoid(float z) {
  float e = std::exp(-std::fabs(z));
  return z >= 0.f ? 1.f / (1.f + e) : e / (1.f + e);
}

// ---------------------------------------------------------------- per-row losses
// z: pred row (C); t: target row (C), or the class index for the sparse kinds.

// Returns max and Σ exp(z − max) of the row.
void row_logsumexp_parts(const float* z, int64_t C, float* m, float* s) {
  float mx = z[0];
  for (int64_t c = 1; c < C; ++c) mx = std::fmax(mx, z[c]);
  float sum = 0.f;
  for (int64_t c = 0; c < C; ++c) sum += std::exp(z[c] - mx);
  *m = mx;
  *s = sum;
}

// Huber of one element, in Keras's float32 order: 0.5·e² or δ·|e| − 0.5·δ².
inline float huber(float e, float delta) {
  float a = std::fabs(e);
  return a <= delta ? 0.5f * (e * e) : delta * a - 0.5f * (delta * delta);
}

float row_loss(int32_t kind, const float* z, const float* t, int64_t C, Smooth sm, float delta) {
  float inv_c = 1.f / static_cast<float>(C), acc = 0.f;
  switch (kind) {
    case KERNO_LOSS_CATEGORICAL_CROSSENTROPY: {
      float S = 0.f;
      for (int64_t c = 0; c < C; ++c) S += z[c];
      for (int64_t c = 0; c < C; ++c) acc -= sm(t[c]) * std::log(clip_prob(z[c] / S));
      return acc;
    }
    case KERNO_LOSS_SOFTMAX_CROSSENTROPY: {
      float m, s;
      row_logsumexp_parts(z, C, &m, &s);
      float lse = m + std::log(s);
      for (int64_t c = 0; c < C; ++c) acc += sm(t[c]) * (lse - z[c]);
      return acc;
    }
    case KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY: {
      for (int64_t c = 0; c < C; ++c) acc += clip_prob(z[c]);
      return std::log(acc) - std::log(clip_prob(z[static_cast<int64_t>(*t)]));
    }
    case KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY: {
      float m, s;
      row_logsumexp_parts(z, C, &m, &s);
      return m + std::log(s) - z[static_cast<int64_t>(*t)];
    }
    case KERNO_LOSS_BINARY_CROSSENTROPY:
      for (int64_t c = 0; c < C; ++c) {
        float q = clip_prob(z[c]), tc = sm(t[c]);
        acc -= tc * std::log(q) + (1.f - tc) * std::log(1.f - q);
      }
      return acc * inv_c;
    case KERNO_LOSS_SIGMOID_CROSSENTROPY:
      for (int64_t c = 0; c < C; ++c)
        acc += std::fmax(z[c], 0.f) - z[c] * sm(t[c]) + std::log1p(std::exp(-std::fabs(z[c])));
      return acc * inv_c;
    case KERNO_LOSS_MEAN_SQUARED_ERROR:
      for (int64_t c = 0; c < C; ++c) acc += (z[c] - t[c]) * (z[c] - t[c]);
      return acc * inv_c;
    case KERNO_LOSS_HUBER:
      for (int64_t c = 0; c < C; ++c) acc += huber(z[c] - t[c], delta);
      return acc * inv_c;
    default:  // mean absolute error
      for (int64_t c = 0; c < C; ++c) acc += std::fabs(z[c] - t[c]);
      return acc * inv_c;
  }
}

// ---------------------------------------------------------------- per-row gradients
// d (C) = scale · ∂loss/∂z, scale = w/B.

void grad_categorical(float* d, const float* z, const float* t, int64_t C, Smooth sm, float scale) {
  float S = 0.f;
  for (int64_t c = 0; c < C; ++c) S += z[c];
  // ∂/∂p_k of L(p/S) = (g_k − G)/S with g = ∂L/∂p' (zero where clipped) and
  // G = Σ_j g_j·p'_j = −Σ_{unclipped} t_j. g_k and G nearly cancel when p' matches the target
  // (g ≈ G ≈ −1, result ~1e-3 with smoothing), so G is summed in double from the exact terms.
  double G = 0.0;
  for (int64_t c = 0; c < C; ++c) {
    float q = z[c] / S, tc = sm(t[c]);
    bool keep = in_clip_range(q);
    d[c] = keep ? -tc / q : 0.f;
    G -= keep ? tc : 0.f;
  }
  for (int64_t c = 0; c < C; ++c) d[c] = scale * static_cast<float>(d[c] - G) / S;
}

void grad_sparse_categorical(float* d, const float* z, int64_t k, int64_t C, float scale) {
  float Q = 0.f;
  for (int64_t c = 0; c < C; ++c) Q += clip_prob(z[c]);
  float inv_q = 1.f / Q;
  for (int64_t c = 0; c < C; ++c) {
    float g = inv_q - (c == k ? 1.f / clip_prob(z[c]) : 0.f);
    d[c] = in_clip_range(z[c]) ? scale * g : 0.f;
  }
}

// d (C) holds softmax(z) on entry.
void grad_softmax_from_probs(float* d, const float* t, int64_t C, Smooth sm, float scale) {
  float T = 0.f;
  for (int64_t c = 0; c < C; ++c) T += sm(t[c]);
  for (int64_t c = 0; c < C; ++c) d[c] = scale * (d[c] * T - sm(t[c]));
}

void grad_elementwise(int32_t kind, float* d, const float* z, const float* t, int64_t C, Smooth sm,
                      float delta, float scale) {
  float s = scale / static_cast<float>(C);
  for (int64_t c = 0; c < C; ++c) {
    float g;
    if (kind == KERNO_LOSS_BINARY_CROSSENTROPY) {
      float q = clip_prob(z[c]), tc = sm(t[c]);
      g = in_clip_range(z[c]) ? -tc / q + (1.f - tc) / (1.f - q) : 0.f;
    } else if (kind == KERNO_LOSS_SIGMOID_CROSSENTROPY) {
      g = sigmoid(z[c]) - sm(t[c]);
    } else if (kind == KERNO_LOSS_MEAN_SQUARED_ERROR) {
      g = 2.f * (z[c] - t[c]);
    } else if (kind == KERNO_LOSS_HUBER) {
      float e = z[c] - t[c];
      g = std::fabs(e) <= delta ? e : (e > 0.f ? delta : -delta);
    } else {  // mean absolute error: sign, 0 at 0
      float e = z[c] - t[c];
      g = e > 0.f ? 1.f : (e < 0.f ? -1.f : 0.f);
    }
    d[c] = s * g;
  }
}

// Row b of the gradient for every kind; the softmax kinds compute softmax into d first.
void row_grad(int32_t kind, float* d, const float* z, const float* t, int64_t C, Smooth sm, float delta,
              float scale) {
  switch (kind) {
    case KERNO_LOSS_CATEGORICAL_CROSSENTROPY: grad_categorical(d, z, t, C, sm, scale); return;
    case KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
      grad_sparse_categorical(d, z, static_cast<int64_t>(*t), C, scale);
      return;
    case KERNO_LOSS_SOFTMAX_CROSSENTROPY: grad_softmax_from_probs(d, t, C, sm, scale); return;
    case KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY:
      for (int64_t c = 0; c < C; ++c) d[c] *= scale;
      d[static_cast<int64_t>(*t)] -= scale;
      return;
    default: grad_elementwise(kind, d, z, t, C, sm, delta, scale); return;
  }
}

// Per-row target: a row of C values, or one class index for the sparse kinds.
inline const float* target_row(int32_t kind, const float* target, int64_t b, int64_t C) {
  return is_sparse(kind) ? target + b : target + b * C;
}

bool is_softmax_kind(int32_t kind) {
  return kind == KERNO_LOSS_SOFTMAX_CROSSENTROPY || kind == KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY;
}

// Scalar softmax of one row, for the reference.
void ref_softmax_row(float* y, const float* z, int64_t C) {
  float m, s;
  row_logsumexp_parts(z, C, &m, &s);
  for (int64_t c = 0; c < C; ++c) y[c] = std::exp(z[c] - m) / s;
}

int64_t row_grain(int64_t C) { return C >= 8192 ? 1 : 8192 / C; }

}  // namespace

// loss (B) = per-sample unweighted loss of pred (B,C) against target (B,C), or (B) for sparse.
kerno_status ref_loss_forward(float* loss, const float* pred, const float* target, int64_t B, int64_t C,
                              const kerno_loss_params* p) {
  kerno_status s = check(loss, pred, target, B, C, p);
  if (s != KERNO_OK || B == 0) return s;
  Smooth sm = smoothing(p, C);
  for (int64_t b = 0; b < B; ++b)
    loss[b] = row_loss(p->kind, pred + b * C, target_row(p->kind, target, b, C), C, sm, p->delta);
  return KERNO_OK;
}

// dpred (B,C) = ∂/∂pred of Σ_b weight_b·loss_b / B; weight (B) or NULL for ones. Writes dpred.
kerno_status ref_loss_backward(float* dpred, const float* pred, const float* target, const float* weight,
                               int64_t B, int64_t C, const kerno_loss_params* p) {
  kerno_status s = check(dpred, pred, target, B, C, p);
  if (s != KERNO_OK || B == 0) return s;
  Smooth sm = smoothing(p, C);
  float inv_b = 1.f / static_cast<float>(B);
  for (int64_t b = 0; b < B; ++b) {
    float* d = dpred + b * C;
    const float* z = pred + b * C;
    if (is_softmax_kind(p->kind)) ref_softmax_row(d, z, C);
    row_grad(p->kind, d, z, target_row(p->kind, target, b, C), C, sm, p->delta,
             (weight ? weight[b] : 1.f) * inv_b);
  }
  return KERNO_OK;
}

kerno_status cpu_loss_forward(float* loss, const float* pred, const float* target, int64_t B, int64_t C,
                              const kerno_loss_params* p) {
  kerno_status s = check(loss, pred, target, B, C, p);
  if (s != KERNO_OK || B == 0) return s;
  Smooth sm = smoothing(p, C);
  int32_t kind = p->kind;
  float delta = p->delta;
  parallel_for(B, row_grain(C), [=](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      loss[b] = row_loss(kind, pred + b * C, target_row(kind, target, b, C), C, sm, delta);
  });
  return KERNO_OK;
}

kerno_status cpu_loss_backward(float* dpred, const float* pred, const float* target, const float* weight,
                               int64_t B, int64_t C, const kerno_loss_params* p) {
  kerno_status s = check(dpred, pred, target, B, C, p);
  if (s != KERNO_OK || B == 0) return s;
  Smooth sm = smoothing(p, C);
  int32_t kind = p->kind;
  float delta = p->delta;
  // The vectorised softmax kernel fills dpred first; the row pass then only rescales it.
  if (is_softmax_kind(kind)) {
    s = cpu_softmax_forward(dpred, pred, B, C);
    if (s != KERNO_OK) return s;
  }
  float inv_b = 1.f / static_cast<float>(B);
  parallel_for(B, row_grain(C), [=](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      row_grad(kind, dpred + b * C, pred + b * C, target_row(kind, target, b, C), C, sm, delta,
               (weight ? weight[b] : 1.f) * inv_b);
  });
  return KERNO_OK;
}

}  // namespace kerno
