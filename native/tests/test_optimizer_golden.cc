// Replays trajectories recorded from the real Keras (scripts/fixtures/make_optimizer_golden.py →
// fixtures/keras_optimizers_golden.inc) through every backend's optimizer_update, with Keras's
// gradient clipping (keras/src/optimizers/base_optimizer.py) rebuilt from sum_squares, scale and
// clip_by_value the way the TypeScript optimizer will do it.
#include <algorithm>
#include <cmath>
#include <vector>

#include "harness.h"
#include "kerno/kernels.h"

#include "fixtures/keras_optimizers_golden.inc"

namespace {

// Keras and kerno run the same float32 expressions; what differs is the order of float32 sums
// in the norms, powf's last bit, and `g·c / max(n, c)` (TF) versus `g · (c / max(n, c))` (here):
// a few ulps, far below 1e-6 relative after five steps.
constexpr double kRtol = 1e-6, kAtol = 1e-7;

using Grads = std::vector<std::vector<float>>;  // [var][element]

// tf.clip_by_norm on each variable: g · c / max(‖g‖, c); an all-zero gradient is left alone.
void clip_by_norm(const kerno_backend* be, Grads& g, float c) {
  for (auto& v : g) {
    double ss = 0;
    KT_CHECK_OK(be->sum_squares(&ss, v.data(), static_cast<int64_t>(v.size())));
    if (ss > 0) {
      float norm = static_cast<float>(std::sqrt(ss));
      KT_CHECK_OK(be->scale(v.data(), static_cast<int64_t>(v.size()), c / std::max(norm, c)));
    }
  }
}

// clip_by_global_norm: scale = c · min(1/‖all‖, 1/c), plus (‖all‖ − ‖all‖) so that an inf/NaN
// norm turns every gradient into NaN, as Keras does.
void clip_by_global_norm(const kerno_backend* be, Grads& g, float c) {
  double total = 0;
  for (auto& v : g) {
    double ss = 0;
    KT_CHECK_OK(be->sum_squares(&ss, v.data(), static_cast<int64_t>(v.size())));
    total += ss;
  }
  float norm = static_cast<float>(std::sqrt(total));
  float s = c * std::min(1.f / norm, 1.f / c) + (norm - norm);
  for (auto& v : g) KT_CHECK_OK(be->scale(v.data(), static_cast<int64_t>(v.size()), s));
}

void clip(const kerno_backend* be, const keras_golden::Case& c, Grads& g) {
  if (c.clipnorm > 0) {
    clip_by_norm(be, g, c.clipnorm);
  } else if (c.global_clipnorm > 0) {
    clip_by_global_norm(be, g, c.global_clipnorm);
  } else if (c.clipvalue > 0) {
    for (auto& v : g) KT_CHECK_OK(be->clip_by_value(v.data(), static_cast<int64_t>(v.size()), c.clipvalue));
  }
}

Grads step_grads(int t) {
  Grads g;
  const float* src = keras_golden::kGrads + t * (keras_golden::kVarSize[0] + keras_golden::kVarSize[1]);
  for (int v = 0; v < keras_golden::kNumVars; ++v) {
    g.emplace_back(src, src + keras_golden::kVarSize[v]);
    src += keras_golden::kVarSize[v];
  }
  return g;
}

// Nadam's scalar state, tracked by the caller as the TypeScript optimizer does: Keras's float32
// u ← (u·β1)·(1 − 0.5·0.96^t) from 1, once per step before the update.
float next_u_product(float u, float beta_1, int step) {
  return (u * beta_1) * (1.f - 0.5f * std::pow(0.96f, static_cast<float>(step)));
}

void replay(const kerno_backend* be, const keras_golden::Case& c) {
  using namespace keras_golden;
  std::vector<float> w(kInitial, kInitial + kVarSize[0] + kVarSize[1]);
  // Slots per variable; Adagrad's accumulator starts at initial_accumulator_value.
  std::vector<float> slots[3];
  for (int k = 0; k < 3; ++k) slots[k].assign(w.size(), k == 0 ? c.initial_accumulator_value : 0.f);
  kerno_optimizer_params p = c.p;
  p.u_product = 1.f;
  for (int t = 0; t < kSteps; ++t) {
    p.step = t + 1;
    p.u_product = next_u_product(p.u_product, p.beta_1, t + 1);
    p.learning_rate = c.learning_rate[t];
    Grads g = step_grads(t);
    clip(be, c, g);
    int64_t off = 0;
    for (int v = 0; v < kNumVars; ++v) {
      KT_CHECK_OK(be->optimizer_update(w.data() + off, g[v].data(), slots[0].data() + off,
                                       slots[1].data() + off, slots[2].data() + off, kVarSize[v], &p));
      off += kVarSize[v];
    }
    const float* want = c.params + t * w.size();
    std::vector<double> want64(want, want + w.size());
    char what[128];
    std::snprintf(what, sizeof what, "%s keras golden %s step %d", be->name, c.name, t + 1);
    if (!KT_ALL_CLOSE(what, w.data(), want64.data(), w.size(), kAtol, kRtol)) return;
  }
}

}  // namespace

KERNO_TEST(optimizer_update_matches_keras_golden_trajectories) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->optimizer_update || !be->sum_squares || !be->scale || !be->clip_by_value) continue;
    for (const keras_golden::Case& c : keras_golden::kCases) replay(be, c);
  }
}
