// Inverted dropout. N = element count; out, mask, inp, dinp, dout are (N).
//
// THE KEEP RULE (part of the reproducibility contract, shared with a future CUDA kernel):
//   u_j  = the UNIFORM [0, 1) element j = offset + i of rng_fill (native/cpu/rng.cc): the top 24
//          bits of Philox4x32-10 word (j & 3) of block j >> 2 (stream 0), times 2^-24;
//   keep iff u_j ≥ rate (as tf.nn.dropout: random >= rate), so P(keep) = 1 − rate up to the
//   2^-24 grid;
//   mask_i = keep ? float(1 / (1 − rate)) : 0;  out_i = inp_i · mask_i.
// rate = 0 is the identity (mask all ones); rate < 0, rate ≥ 1 or NaN is an invalid argument.
//
// The fast version fills the mask with cpu_rng_fill (already threaded and vectorised, and
// invariant to the thread count), then thresholds it in place; the reference evaluates Philox
// per element straight from philox.h.
#include <cmath>

#include "cpu/arg_checks.h"
#include "cpu/ops.h"
#include "cpu/ops_layers.h"
#include "cpu/philox.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::dropout_check_backward;
using checks::dropout_check_forward;

namespace {

constexpr int64_t kGrain = 1 << 15;

float keep_scale(float rate) { return static_cast<float>(1.0 / (1.0 - static_cast<double>(rate))); }

}  // namespace

kerno_status ref_dropout_forward(float* out, float* mask, const float* inp, int64_t N, float rate,
                                 uint64_t seed, uint64_t offset) {
  kerno_status s = dropout_check_forward(out, mask, inp, N, rate);
  if (s != KERNO_OK) return s;
  const uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  const float scale = keep_scale(rate);
  for (int64_t i = 0; i < N; ++i) {
    const uint64_t j = offset + static_cast<uint64_t>(i), q = j >> 2;
    Philox4x32 x = philox4x32_10({{static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), 0, 0}}, k0, k1);
    const double u = (x.v[j & 3] >> 8) * (1.0 / 16777216.0);
    mask[i] = u >= rate ? scale : 0.f;
    out[i] = inp[i] * mask[i];
  }
  return KERNO_OK;
}

kerno_status ref_dropout_backward(float* dinp, const float* dout, const float* mask, int64_t N) {
  kerno_status s = dropout_check_backward(dinp, dout, mask, N);
  if (s != KERNO_OK) return s;
  for (int64_t i = 0; i < N; ++i) dinp[i] += dout[i] * mask[i];
  return KERNO_OK;
}

kerno_status cpu_dropout_forward(float* out, float* mask, const float* inp, int64_t N, float rate,
                                 uint64_t seed, uint64_t offset) {
  kerno_status s = dropout_check_forward(out, mask, inp, N, rate);
  if (s != KERNO_OK || N == 0) return s;
  kerno_rng_params rp{};
  rp.distribution = KERNO_DIST_UNIFORM;
  rp.a = 0.f;
  rp.b = 1.f;
  rp.seed = seed;
  rp.offset = offset;
  // Uniform [0, 1) values are exact multiples of 2^-24 in float, so the float comparison with
  // rate equals the double one of the reference.
  s = cpu_rng_fill(mask, N, &rp);
  if (s != KERNO_OK) return s;
  const float scale = keep_scale(rate);
  parallel_for(N, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float m = mask[i] >= rate ? scale : 0.f;
      mask[i] = m;
      out[i] = inp[i] * m;
    }
  });
  return KERNO_OK;
}

kerno_status cpu_dropout_backward(float* dinp, const float* dout, const float* mask, int64_t N) {
  kerno_status s = dropout_check_backward(dinp, dout, mask, N);
  if (s != KERNO_OK) return s;
  parallel_for(N, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dinp[i] += dout[i] * mask[i];
  });
  return KERNO_OK;
}

}  // namespace kerno
