// Optimizer updates and the gradient-clipping helpers, Keras 3 formulas
// (keras/src/optimizers/{sgd,adagrad,rmsprop,adam,nadam,adamax,base_optimizer}.py, Keras 3.15).
// N = parameter count; param, grad and every slot are (N) float32.
//
// Every expression keeps Keras's float32 operation order (e.g. `(lr·g) / sqrt(acc + ε)`, not
// `lr · (g / sqrt(...))`) so that results match Keras to the last bit wherever the compiler does
// not fuse a multiply-add. Weight decay runs first, as in BaseOptimizer._backend_apply_gradients
// (clip → weight decay → update_step); clipping itself is the caller's job.
//
// A weight whose gradient is an outer product (kerno_outer_grad: a Dense layer at batch 1) is
// updated from u and v directly: the spans are templates over their gradient source, so the
// same loops read u[r]·v[c] + 0 where they would have read the written gradient.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ops.h"
#include "optimizer_coeffs.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace kerno {
namespace {

// Below this many parameters a thread hand-off costs more than the update.
constexpr int64_t kGrain = 1 << 14;
// Elements updated before their gradients are zeroed (zero_grad): 16 KiB of each array, in L1.
constexpr int64_t kZeroBlock = 4096;

using opt::Coeffs;
using opt::finite;
using opt::make_coeffs;
using opt::needed_slots;
using opt::outer_at;
using opt::outer_end;
using opt::params_valid;


// ---- reference: one element at a time, the formulas exactly as Keras writes them -------------
// (opt::update_one in optimizer_coeffs.h, shared with the CUDA kernel)

using opt::update_one;

// ---- fast: one branch-free loop per configuration, restrict pointers, run on chunks ----------
// Each loop is the reference expression verbatim, so the only freedom the vectoriser has is
// the lane width; results match the reference bit for bit unless the build contracts a*b+c.
//
// The loops are compiled twice: for the baseline ISA, and (x86-64 with GCC/Clang) inlined into
// an AVX2 entry point chosen at run time. Adam's square root and division run on the FP divider,
// which on Zen 3 takes as long for 8 lanes as for 4, so 256-bit vectors halve the pass (one
// thread, 235K parameters: 206 -> 110 us). The AVX2 target deliberately leaves out FMA: with
// it the compiler could contract `a*b + c` and results would stop matching Keras bit for bit.
#if defined(__GNUC__) || defined(__clang__)
#define KERNO_SPAN inline __attribute__((always_inline))
#else
#define KERNO_SPAN inline
#endif

// What a span reads as its gradient: the written-out one (a pointer), or one row of an
// outer-product weight (kerno_outer_grad), u·v[j] + 0 as opt::outer_at, computed in the loop.
struct OuterRow {
  float u;
  const float* __restrict v;
  float operator[](int64_t j) const { return u * v[j] + 0.f; }
  OuterRow operator+(int64_t k) const { return {u, v + k}; }
};

KERNO_SPAN void decay_span(float* __restrict w, int64_t n, float wd, float lr) {
  for (int64_t i = 0; i < n; ++i) w[i] = w[i] - w[i] * wd * lr;
}

template <class G>
KERNO_SPAN void sgd_span(const Coeffs& c, float* __restrict w, G g, float* __restrict v,
              int64_t n) {
  const float lr = c.lr, m = c.momentum;
  if (m == 0.f) {
    for (int64_t i = 0; i < n; ++i) w[i] = w[i] - g[i] * lr;
  } else if (c.nesterov) {
    for (int64_t i = 0; i < n; ++i) {
      v[i] = v[i] * m - g[i] * lr;
      w[i] = w[i] + (v[i] * m - g[i] * lr);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      v[i] = v[i] * m - g[i] * lr;
      w[i] = w[i] + v[i];
    }
  }
}

template <class G>
KERNO_SPAN void adagrad_span(const Coeffs& c, float* __restrict w, G g,
                  float* __restrict acc, int64_t n) {
  const float lr = c.lr, eps = c.eps;
  for (int64_t i = 0; i < n; ++i) {
    acc[i] = acc[i] + g[i] * g[i];
    w[i] = w[i] - (lr * g[i]) / std::sqrt(acc[i] + eps);
  }
}

// RMSprop writes the increment into `inc` first so the momentum/centered variants stay simple
// loops; `inc` is stack scratch of kChunk floats.
constexpr int64_t kChunk = 512;

template <class G>
KERNO_SPAN void rmsprop_chunk(const Coeffs& c, float* __restrict w, G g,
                   float* __restrict vel, float* __restrict mom, float* __restrict avg, int64_t n) {
  const float lr = c.lr, rho = c.rho, omr = c.one_minus_rho, eps = c.eps, m = c.momentum;
  float inc[kChunk];
  if (c.centered) {
    for (int64_t i = 0; i < n; ++i) {
      vel[i] = rho * vel[i] + omr * (g[i] * g[i]);
      avg[i] = rho * avg[i] + omr * g[i];
      inc[i] = (lr * g[i]) / std::sqrt(vel[i] - avg[i] * avg[i] + eps);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      vel[i] = rho * vel[i] + omr * (g[i] * g[i]);
      inc[i] = (lr * g[i]) / std::sqrt(vel[i] + eps);
    }
  }
  if (m > 0.f) {
    for (int64_t i = 0; i < n; ++i) {
      mom[i] = m * mom[i] + inc[i];
      w[i] = w[i] - mom[i];
    }
  } else {
    for (int64_t i = 0; i < n; ++i) w[i] = w[i] - inc[i];
  }
}

template <class G>
KERNO_SPAN void rmsprop_span(const Coeffs& c, float* w, G g, float* vel, float* mom, float* avg, int64_t n) {
  for (int64_t b = 0; b < n; b += kChunk) {
    int64_t len = n - b < kChunk ? n - b : kChunk;
    rmsprop_chunk(c, w + b, g + b, vel + b, mom ? mom + b : nullptr, avg ? avg + b : nullptr, len);
  }
}

template <class G>
KERNO_SPAN void adam_span(const Coeffs& c, float* __restrict w, G g,
               float* __restrict m, float* __restrict v, float* __restrict vhat, int64_t n) {
  const float b1 = c.one_minus_b1, b2 = c.one_minus_b2, alpha = c.alpha, eps = c.eps;
  if (c.amsgrad) {
    for (int64_t i = 0; i < n; ++i) {
      m[i] = m[i] + (g[i] - m[i]) * b1;
      v[i] = v[i] + (g[i] * g[i] - v[i]) * b2;
      vhat[i] = vhat[i] < v[i] ? v[i] : vhat[i];  // ops.maximum; a compare so it vectorises
      w[i] = w[i] - (m[i] * alpha) / (std::sqrt(vhat[i]) + eps);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      m[i] = m[i] + (g[i] - m[i]) * b1;
      v[i] = v[i] + (g[i] * g[i] - v[i]) * b2;
      w[i] = w[i] - (m[i] * alpha) / (std::sqrt(v[i]) + eps);
    }
  }
}

// Nadam in one pass: the divisions stay divisions (Keras divides), so results match the
// reference bit for bit; a division by a loop-invariant is still vectorised.
template <class G>
KERNO_SPAN void nadam_span(const Coeffs& c, float* __restrict w, G g, float* __restrict m,
                float* __restrict v, int64_t n) {
  const float b1 = c.one_minus_b1, b2 = c.one_minus_b2, lr = c.lr, eps = c.eps;
  const float un = c.u_next, dn = c.d_next, cg = c.c_g, d0 = c.d_now, dv = c.d_v;
  for (int64_t i = 0; i < n; ++i) {
    m[i] = m[i] + (g[i] - m[i]) * b1;
    v[i] = v[i] + (g[i] * g[i] - v[i]) * b2;
    float m_hat = (un * m[i]) / dn + (cg * g[i]) / d0;
    w[i] = w[i] - (m_hat * lr) / (std::sqrt(v[i] / dv) + eps);
  }
}

template <class G>
KERNO_SPAN void adamax_span(const Coeffs& c, float* __restrict w, G g, float* __restrict m,
                 float* __restrict u, int64_t n) {
  const float b1 = c.one_minus_b1, b2 = c.beta_2, lr = c.lr, eps = c.eps, d = c.d_b1;
  for (int64_t i = 0; i < n; ++i) {
    m[i] = m[i] + (g[i] - m[i]) * b1;
    float bu = b2 * u[i], ag = std::fabs(g[i]);
    u[i] = bu < ag ? ag : bu;
    w[i] = w[i] - (lr * m[i]) / (d * (u[i] + eps));
  }
}

float* at(float* p, int64_t off) { return p ? p + off : nullptr; }

// The slots this configuration reads; the others become NULL so that whatever the caller passed
// for an unused slot is never offset or touched.
struct Slots {
  float *s0, *s1, *s2;
};

Slots used_slots(const kerno_optimizer_params& p, float* s0, float* s1, float* s2) {
  bool need[3];
  needed_slots(p, need);
  return {need[0] ? s0 : nullptr, need[1] ? s1 : nullptr, need[2] ? s2 : nullptr};
}

template <class G>
KERNO_SPAN void update_span(const Coeffs& c, float* w, G g, float* s0, float* s1, float* s2, int64_t n) {
  if (c.wd != 0.f) decay_span(w, n, c.wd, c.lr);
  switch (c.kind) {
    case KERNO_OPT_SGD: sgd_span(c, w, g, s0, n); break;
    case KERNO_OPT_ADAGRAD: adagrad_span(c, w, g, s0, n); break;
    case KERNO_OPT_RMSPROP: rmsprop_span(c, w, g, s0, s1, s2, n); break;
    case KERNO_OPT_ADAM: adam_span(c, w, g, s0, s1, s2, n); break;
    case KERNO_OPT_NADAM: nadam_span(c, w, g, s0, s1, n); break;
    case KERNO_OPT_ADAMAX: adamax_span(c, w, g, s0, s1, n); break;
  }
}

// The baseline entry points, and the AVX2 ones where the compiler can target them per function:
// over written gradients, and over one row u·v of an outer-product weight.
void update_span_baseline(const Coeffs& c, float* w, const float* g, float* s0, float* s1, float* s2,
                          int64_t n) {
  update_span(c, w, g, s0, s1, s2, n);
}

void update_row_baseline(const Coeffs& c, float* w, float u, const float* v, float* s0, float* s1, float* s2,
                         int64_t n) {
  update_span(c, w, OuterRow{u, v}, s0, s1, s2, n);
}

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define KERNO_OPT_AVX2 1
__attribute__((target("avx2"))) void update_span_avx2(const Coeffs& c, float* w, const float* g, float* s0,
                                                     float* s1, float* s2, int64_t n) {
  update_span(c, w, g, s0, s1, s2, n);
}

__attribute__((target("avx2"))) void update_row_avx2(const Coeffs& c, float* w, float u, const float* v,
                                                    float* s0, float* s1, float* s2, int64_t n) {
  update_span(c, w, OuterRow{u, v}, s0, s1, s2, n);
}
#endif

struct Spans {
  void (*written)(const Coeffs&, float*, const float*, float*, float*, float*, int64_t);
  void (*row)(const Coeffs&, float*, float, const float*, float*, float*, float*, int64_t);
};

// AVX2 when the CPU has it, unless KERNO_SIMD=portable caps the build to the baseline (the way
// the tests reach the baseline loops on an AVX2 machine). Both give identical results.
Spans pick_spans() {
#if KERNO_OPT_AVX2
  const char* cap = std::getenv("KERNO_SIMD");
  bool portable = cap && std::strcmp(cap, "portable") == 0;
  if (cpu_features().avx2_fma && !portable) return {update_span_avx2, update_row_avx2};
#endif
  return {update_span_baseline, update_row_baseline};
}

// ---- sum of squares: a fixed split, so the result does not depend on the thread count -------

constexpr int kSumParts = 64;
constexpr int kLanes = 8;

double sum_squares_range(const float* x, int64_t n) {
  double acc[kLanes] = {0};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) acc[k] += static_cast<double>(x[i + k]) * x[i + k];
  for (; i < n; ++i) acc[0] += static_cast<double>(x[i]) * x[i];
  double s = 0;
  for (int k = 0; k < kLanes; ++k) s += acc[k];
  return s;
}

}  // namespace

// ---------------------------------------------------------------- optimizer_update ------------

kerno_status ref_optimizer_update(float* param, float* grad, float* slot0, float* slot1,
                                  float* slot2, int64_t N, const kerno_optimizer_params* p) {
  kerno_status s = opt::update_check(param, grad, slot0, slot1, slot2, N, p);
  if (s != KERNO_OK || N == 0) return s;
  const Coeffs c = make_coeffs(*p);
  const Slots sl = used_slots(*p, slot0, slot1, slot2);
  int32_t o = 0;
  for (int64_t i = 0; i < N; ++i) {
    while (o < p->n_outer && i >= outer_end(p->outer[o])) ++o;
    const bool outer = o < p->n_outer && i >= p->outer[o].offset;
    const float g = outer ? outer_at(p->outer[o], i - p->outer[o].offset) : grad[i];
    update_one(c, &param[i], g, at(sl.s0, i), at(sl.s1, i), at(sl.s2, i));
    if (p->zero_grad && !outer) grad[i] = 0.f;
  }
  return KERNO_OK;
}

kerno_status cpu_optimizer_update(float* param, float* grad, float* slot0, float* slot1,
                                  float* slot2, int64_t N, const kerno_optimizer_params* p) {
  kerno_status s = opt::update_check(param, grad, slot0, slot1, slot2, N, p);
  if (s != KERNO_OK || N == 0) return s;
  const Coeffs c = make_coeffs(*p);
  const Slots sl = used_slots(*p, slot0, slot1, slot2);
  static const Spans spans = pick_spans();
  // With zero_grad, each block's gradients are zeroed right after its update, from L1.
  const bool zero = p->zero_grad != 0;
  const kerno_outer_grad* outer = p->outer;
  const int32_t n_outer = p->n_outer;
  parallel_for(N, kGrain, [&](int64_t b, int64_t e) {
    int32_t o = 0;
    while (o < n_outer && outer_end(outer[o]) <= b) ++o;
    for (int64_t i = b; i < e;) {
      if (o < n_outer && i >= outer[o].offset) {
        // Inside an outer-product weight: a row (or what of it lies in this chunk) at a time.
        const kerno_outer_grad& w = outer[o++];
        for (const int64_t end = std::min(e, outer_end(w)); i < end;) {
          const int64_t r = (i - w.offset) / w.cols, col = i - w.offset - r * w.cols;
          const int64_t n = std::min(w.cols - col, end - i);
          spans.row(c, param + i, w.u ? w.u[r] : 1.f, w.v + col, at(sl.s0, i), at(sl.s1, i), at(sl.s2, i), n);
          i += n;
        }
        continue;
      }
      const int64_t stop = o < n_outer ? std::min(e, outer[o].offset) : e;
      const int64_t block = zero ? kZeroBlock : stop - i;
      while (i < stop) {
        const int64_t n = std::min(block, stop - i);
        spans.written(c, param + i, grad + i, at(sl.s0, i), at(sl.s1, i), at(sl.s2, i), n);
        if (zero) std::memset(grad + i, 0, static_cast<size_t>(n) * sizeof(float));
        i += n;
      }
    }
  });
  return KERNO_OK;
}

// ---------------------------------------------------------------- clipping helpers ------------

kerno_status ref_sum_squares(double* out, const float* x, int64_t N) {
  if (!out || N < 0 || (N > 0 && !x)) return KERNO_ERR_INVALID_ARGUMENT;
  double s = 0;
  for (int64_t i = 0; i < N; ++i) s += static_cast<double>(x[i]) * x[i];
  *out = s;
  return KERNO_OK;
}

kerno_status cpu_sum_squares(double* out, const float* x, int64_t N) {
  if (!out || N < 0 || (N > 0 && !x)) return KERNO_ERR_INVALID_ARGUMENT;
  double part[kSumParts] = {0};
  int parts = N >= kGrain * 2 ? kSumParts : 1;
  parallel_for(parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k)
      part[k] = sum_squares_range(x + N * k / parts, N * (k + 1) / parts - N * k / parts);
  });
  double s = 0;
  for (int k = 0; k < parts; ++k) s += part[k];
  *out = s;
  return KERNO_OK;
}

kerno_status ref_scale(float* x, int64_t N, float s) {
  if (N < 0 || (N > 0 && !x)) return KERNO_ERR_INVALID_ARGUMENT;
  for (int64_t i = 0; i < N; ++i) x[i] *= s;
  return KERNO_OK;
}

kerno_status cpu_scale(float* x, int64_t N, float s) {
  if (N < 0 || (N > 0 && !x)) return KERNO_ERR_INVALID_ARGUMENT;
  parallel_for(N, kGrain, [&](int64_t b, int64_t e) {
    float* __restrict y = x + b;
    for (int64_t i = 0; i < e - b; ++i) y[i] *= s;
  });
  return KERNO_OK;
}

// A NaN gradient stays NaN (so TerminateOnNaN still sees it), hence compares, not fmin/fmax.
kerno_status ref_clip_by_value(float* x, int64_t N, float v) {
  if (N < 0 || (N > 0 && !x) || !(v >= 0.f)) return KERNO_ERR_INVALID_ARGUMENT;
  for (int64_t i = 0; i < N; ++i) {
    if (x[i] > v) x[i] = v;
    else if (x[i] < -v) x[i] = -v;
  }
  return KERNO_OK;
}

kerno_status cpu_clip_by_value(float* x, int64_t N, float v) {
  if (N < 0 || (N > 0 && !x) || !(v >= 0.f)) return KERNO_ERR_INVALID_ARGUMENT;
  parallel_for(N, kGrain, [&](int64_t b, int64_t e) {
    float* __restrict y = x + b;
    for (int64_t i = 0; i < e - b; ++i) {
      float t = y[i] > v ? v : y[i];
      y[i] = t < -v ? -v : t;
    }
  });
  return KERNO_OK;
}

}  // namespace kerno
