// Batch normalization over the last axis, Keras 3 semantics (keras/src/layers/normalization/
// batch_normalization.py with the TensorFlow backend, checked in Keras 3.15.1):
//   training:  mean, var = moments over N (var BIASED, divided by N, as tf.nn.moments);
//              out = (inp − mean)·invstd·gamma + beta, invstd = 1/sqrt(var + eps)
//              (tf.nn.batch_normalization: eps is added to the variance inside the root);
//              moving_mean = moving_mean·momentum + mean·(1 − momentum), and moving_var the same
//              with the biased batch variance (PyTorch uses the unbiased one; Keras does not).
//   inference: the same formula with the moving statistics.
//   backward:  gradients flow through the batch statistics (TF differentiates mean and var):
//              dbeta = Σ dout, dgamma = Σ dout·x̂,
//              dinp  = gamma·invstd·(dout − dbeta/N − x̂·dgamma/N), x̂ = (inp − mean)·invstd.
// N = rows (B·H·W for NHWC, B for 2-D), C = channels. gamma/beta NULL mean 1/0 (scale/center
// False). saved_mean/saved_invstd and moving_mean/moving_var may be NULL to skip them.
//
// Statistics are two-pass sums in double. The fast version cuts the rows into a number of chunks
// that depends only on N (never on the thread count), sums each chunk into its own slot and adds
// the slots in order, so results are bit-identical for any number of threads.
#include <algorithm>
#include <cmath>
#include <new>
#include <vector>

#include "cpu/arg_checks.h"
#include "cpu/ops_layers.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::batchnorm_check;

namespace {

inline double gamma_at(const float* gamma, int64_t c) { return gamma ? gamma[c] : 1.0; }
inline double beta_at(const float* beta, int64_t c) { return beta ? beta[c] : 0.0; }

void update_moving(float* moving, double batch, float momentum, int64_t c) {
  if (moving) moving[c] = static_cast<float>(moving[c] * static_cast<double>(momentum) + batch * (1.0 - momentum));
}

}  // namespace

// ---------------------------------------------------------------- scalar reference

kerno_status ref_batchnorm_forward_train(float* out, float* saved_mean, float* saved_invstd,
                                         float* moving_mean, float* moving_var, const float* inp,
                                         const float* gamma, const float* beta,
                                         const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(out, inp, p, true);
  if (s != KERNO_OK) return s;
  const int64_t N = p->N, C = p->C;
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0, sq = 0;
    for (int64_t r = 0; r < N; ++r) sum += inp[r * C + c];
    const double mean = sum / N;
    for (int64_t r = 0; r < N; ++r) sq += (inp[r * C + c] - mean) * (inp[r * C + c] - mean);
    const double var = sq / N, invstd = 1.0 / std::sqrt(var + p->epsilon);
    for (int64_t r = 0; r < N; ++r)
      out[r * C + c] = static_cast<float>((inp[r * C + c] - mean) * invstd * gamma_at(gamma, c) + beta_at(beta, c));
    if (saved_mean) saved_mean[c] = static_cast<float>(mean);
    if (saved_invstd) saved_invstd[c] = static_cast<float>(invstd);
    update_moving(moving_mean, mean, p->momentum, c);
    update_moving(moving_var, var, p->momentum, c);
  }
  return KERNO_OK;
}

kerno_status ref_batchnorm_forward_infer(float* out, const float* inp, const float* gamma, const float* beta,
                                         const float* moving_mean, const float* moving_var,
                                         const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(out, inp, p, false);
  if (s != KERNO_OK || p->N == 0 || p->C == 0) return s;
  if (!moving_mean || !moving_var) return KERNO_ERR_INVALID_ARGUMENT;
  const int64_t N = p->N, C = p->C;
  for (int64_t r = 0; r < N; ++r)
    for (int64_t c = 0; c < C; ++c) {
      double invstd = 1.0 / std::sqrt(static_cast<double>(moving_var[c]) + p->epsilon);
      out[r * C + c] = static_cast<float>((inp[r * C + c] - static_cast<double>(moving_mean[c])) * invstd *
                                              gamma_at(gamma, c) + beta_at(beta, c));
    }
  return KERNO_OK;
}

kerno_status ref_batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout,
                                    const float* inp, const float* gamma, const float* saved_mean,
                                    const float* saved_invstd, const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(dout, inp, p, false);
  if (s != KERNO_OK || p->N == 0 || p->C == 0) return s;
  if (!saved_mean || !saved_invstd) return KERNO_ERR_INVALID_ARGUMENT;
  const int64_t N = p->N, C = p->C;
  for (int64_t c = 0; c < C; ++c) {
    const double mean = saved_mean[c], invstd = saved_invstd[c];
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t r = 0; r < N; ++r) {
      sum_dy += dout[r * C + c];
      sum_dy_xhat += dout[r * C + c] * ((inp[r * C + c] - mean) * invstd);
    }
    if (dbeta) dbeta[c] += static_cast<float>(sum_dy);
    if (dgamma) dgamma[c] += static_cast<float>(sum_dy_xhat);
    if (!dinp) continue;
    const double k = gamma_at(gamma, c) * invstd;
    for (int64_t r = 0; r < N; ++r) {
      double xhat = (inp[r * C + c] - mean) * invstd;
      dinp[r * C + c] += static_cast<float>(k * (dout[r * C + c] - sum_dy / N - xhat * sum_dy_xhat / N));
    }
  }
  return KERNO_OK;
}

// ---------------------------------------------------------------- fast CPU
namespace {

constexpr int64_t kMaxChunks = 64;
constexpr int64_t kMinChunkElems = 16384;

// Deterministic chunking of the N rows: depends on N and C only.
struct Chunks {
  int64_t count, rows;
};
Chunks chunks_of(int64_t N, int64_t C) {
  int64_t min_rows = std::max<int64_t>(1, kMinChunkElems / std::max<int64_t>(C, 1));
  int64_t count = std::min(kMaxChunks, (N + min_rows - 1) / min_rows);
  count = std::max<int64_t>(count, 1);
  return {count, (N + count - 1) / count};
}

// Per-channel sums over all rows, in double: body(r0, r1, acc) adds rows [r0, r1) into acc
// (K·C doubles: K sums per channel, sum k of channel c at acc[k·C + c]); writes total (K·C).
template <class F>
kerno_status reduce_rows(double* total, int64_t N, int64_t C, int K, F&& body) {
  const Chunks ch = chunks_of(N, C);
  std::vector<double> part;
  try {
    part.assign(static_cast<size_t>(ch.count * K * C), 0.0);
  } catch (const std::bad_alloc&) {
    return KERNO_ERR_OUT_OF_MEMORY;
  }
  parallel_for(ch.count, 1, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k)
      body(k * ch.rows, std::min(N, (k + 1) * ch.rows), part.data() + k * K * C);
  });
  std::fill(total, total + K * C, 0.0);
  for (int64_t k = 0; k < ch.count; ++k)
    for (int64_t i = 0; i < K * C; ++i) total[i] += part[k * K * C + i];
  return KERNO_OK;
}

// Rows in parallel for elementwise passes.
template <class F>
void for_rows(int64_t N, int64_t C, F&& body) {
  parallel_for(N, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) body(r);
  });
}

// Batch mean and biased variance per channel (C each), in double.
struct TrainStats {
  std::vector<double> mean, var;
};

kerno_status batch_moments(TrainStats& st, const float* inp, int64_t N, int64_t C) {
  std::vector<double> m(static_cast<size_t>(C)), v(static_cast<size_t>(C));
  kerno_status s = reduce_rows(m.data(), N, C, 1, [&](int64_t r0, int64_t r1, double* acc) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t c = 0; c < C; ++c) acc[c] += inp[r * C + c];
  });
  if (s != KERNO_OK) return s;
  for (double& x : m) x /= N;
  const double* mp = m.data();
  s = reduce_rows(v.data(), N, C, 1, [&](int64_t r0, int64_t r1, double* acc) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t c = 0; c < C; ++c) {
        double d = inp[r * C + c] - mp[c];
        acc[c] += d * d;
      }
  });
  if (s != KERNO_OK) return s;
  for (double& x : v) x /= N;
  st.mean = std::move(m);
  st.var = std::move(v);
  return KERNO_OK;
}

// out (N,C) = (inp − mean)·scale + shift, with per-channel float constants.
void normalize_rows(float* out, const float* inp, const float* mean, const float* scale, const float* shift,
                    int64_t N, int64_t C) {
  for_rows(N, C, [&](int64_t r) {
    const float* x = inp + r * C;
    float* o = out + r * C;
    for (int64_t c = 0; c < C; ++c) o[c] = (x[c] - mean[c]) * scale[c] + shift[c];
  });
}

kerno_status train_impl(float* out, float* saved_mean, float* saved_invstd, float* moving_mean,
                        float* moving_var, const float* inp, const float* gamma, const float* beta,
                        const kerno_batchnorm_params& p) {
  const int64_t N = p.N, C = p.C;
  TrainStats st;
  kerno_status s = batch_moments(st, inp, N, C);
  if (s != KERNO_OK) return s;
  std::vector<float> mean(static_cast<size_t>(C)), scale(mean), shift(mean);
  for (int64_t c = 0; c < C; ++c) {
    const double invstd = 1.0 / std::sqrt(st.var[c] + p.epsilon);
    mean[c] = static_cast<float>(st.mean[c]);
    scale[c] = static_cast<float>(invstd * gamma_at(gamma, c));
    // Folds the rounding of mean to float into the shift so out matches the double formula.
    shift[c] = static_cast<float>(beta_at(beta, c) + (mean[c] - st.mean[c]) * invstd * gamma_at(gamma, c));
    if (saved_mean) saved_mean[c] = mean[c];
    if (saved_invstd) saved_invstd[c] = static_cast<float>(invstd);
    update_moving(moving_mean, st.mean[c], p.momentum, c);
    update_moving(moving_var, st.var[c], p.momentum, c);
  }
  normalize_rows(out, inp, mean.data(), scale.data(), shift.data(), N, C);
  return KERNO_OK;
}

kerno_status backward_impl(float* dinp, float* dgamma, float* dbeta, const float* dout, const float* inp,
                           const float* gamma, const float* saved_mean, const float* saved_invstd,
                           const kerno_batchnorm_params& p) {
  const int64_t N = p.N, C = p.C;
  std::vector<double> sums(static_cast<size_t>(2 * C));  // [Σ dout | Σ dout·(inp − mean)]
  kerno_status s = reduce_rows(sums.data(), N, C, 2, [&](int64_t r0, int64_t r1, double* acc) {
    double* a_dy = acc;
    double* a_dyx = acc + C;
    for (int64_t r = r0; r < r1; ++r) {
      const float* g = dout + r * C;
      const float* x = inp + r * C;
      for (int64_t c = 0; c < C; ++c) {
        a_dy[c] += g[c];
        a_dyx[c] += static_cast<double>(g[c]) * (x[c] - saved_mean[c]);
      }
    }
  });
  if (s != KERNO_OK) return s;
  std::vector<float> k1(static_cast<size_t>(C)), a(k1), k2(k1);
  for (int64_t c = 0; c < C; ++c) {
    const double invstd = saved_invstd[c], sum_dy = sums[c], sum_dy_xhat = sums[C + c] * invstd;
    if (dbeta) dbeta[c] += static_cast<float>(sum_dy);
    if (dgamma) dgamma[c] += static_cast<float>(sum_dy_xhat);
    k1[c] = static_cast<float>(gamma_at(gamma, c) * invstd);
    a[c] = static_cast<float>(sum_dy / N);
    k2[c] = static_cast<float>(invstd * sum_dy_xhat / N);
  }
  if (!dinp) return KERNO_OK;
  for_rows(N, C, [&](int64_t r) {
    const float* g = dout + r * C;
    const float* x = inp + r * C;
    float* d = dinp + r * C;
    for (int64_t c = 0; c < C; ++c) d[c] += k1[c] * (g[c] - a[c] - (x[c] - saved_mean[c]) * k2[c]);
  });
  return KERNO_OK;
}

// Every std::vector above may throw; nothing may cross the C ABI.
template <class F>
kerno_status guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return KERNO_ERR_OUT_OF_MEMORY;
  } catch (...) {
    return KERNO_ERR_INTERNAL;
  }
}

}  // namespace

kerno_status cpu_batchnorm_forward_train(float* out, float* saved_mean, float* saved_invstd,
                                         float* moving_mean, float* moving_var, const float* inp,
                                         const float* gamma, const float* beta,
                                         const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(out, inp, p, true);
  if (s != KERNO_OK || p->C == 0) return s;
  return guarded([&] {
    return train_impl(out, saved_mean, saved_invstd, moving_mean, moving_var, inp, gamma, beta, *p);
  });
}

kerno_status cpu_batchnorm_forward_infer(float* out, const float* inp, const float* gamma, const float* beta,
                                         const float* moving_mean, const float* moving_var,
                                         const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(out, inp, p, false);
  if (s != KERNO_OK || p->N == 0 || p->C == 0) return s;
  if (!moving_mean || !moving_var) return KERNO_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    const int64_t C = p->C;
    std::vector<float> scale(static_cast<size_t>(C)), shift(scale);
    for (int64_t c = 0; c < C; ++c) {
      double sc = gamma_at(gamma, c) / std::sqrt(static_cast<double>(moving_var[c]) + p->epsilon);
      scale[c] = static_cast<float>(sc);
      shift[c] = static_cast<float>(beta_at(beta, c));
    }
    normalize_rows(out, inp, moving_mean, scale.data(), shift.data(), p->N, C);
    return KERNO_OK;
  });
}

kerno_status cpu_batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout,
                                    const float* inp, const float* gamma, const float* saved_mean,
                                    const float* saved_invstd, const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(dout, inp, p, false);
  if (s != KERNO_OK || p->N == 0 || p->C == 0) return s;
  if (!saved_mean || !saved_invstd) return KERNO_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    return backward_impl(dinp, dgamma, dbeta, dout, inp, gamma, saved_mean, saved_invstd, *p);
  });
}

}  // namespace kerno
