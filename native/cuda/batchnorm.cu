// Batch normalization over the last axis on the GPU, the CUDA twin of native/cpu/batchnorm.cc
// (Keras 3 semantics; see that file for the formulas). N = rows (B·H·W for NHWC, B for 2-D),
// C = channels. gamma/beta NULL mean 1/0; saved_mean/saved_invstd and moving_mean/moving_var may be
// NULL to skip them.
//
// The per-channel statistics are two-pass sums in double, like the CPU: the rows are cut into
// chunks (a number that depends on N, C and the device's SM count only), a block of 32 channel
// lanes × 8 row lanes sums one chunk and adds its lanes in lane order into a per-chunk slot of
// the scratch buffer, and the slots are added in chunk order: no atomics, so the results repeat
// exactly on a given device and agree with the CPU's to double rounding. The per-channel
// constants are then computed in double by one thread per channel, and the elementwise pass uses
// the same float constants as the CPU's fast path (mean, scale = invstd·gamma, and a shift that
// folds in the rounding of the mean).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu/arg_checks.h"
#include "cuda/common.cuh"
#include "cuda/conv_ops.h"
#include "cuda/split_reduce.h"

namespace kerno::cuda {

using checks::batchnorm_check;  // shared with the CPU

namespace {

// c = i % C for i ≥ 0, in 32 bits when both fit (64-bit division is slow on the GPU).
__device__ __forceinline__ int64_t mod(int64_t i, int64_t C) {
  if (((i | C) >> 31) == 0) return static_cast<uint32_t>(i) % static_cast<uint32_t>(C);
  return i % C;
}

// Adds a block's 8 row lanes (part[y][x], in lane order) and writes lane 0's channel slot.
__device__ __forceinline__ void store_lanes(double* __restrict__ dst, double v, double (*part)[33], bool active) {
  part[threadIdx.y][threadIdx.x] = v;
  __syncthreads();
  if (threadIdx.y == 0 && active) {
    double s = 0.0;
    for (int y = 0; y < 8; ++y) s += part[y][threadIdx.x];
    *dst = s;
  }
}

// Σ over the chunk slots of channel c, in chunk order.
__device__ __forceinline__ double sum_slots(const double* __restrict__ ws, int64_t chunks, int64_t stride, int64_t c) {
  double s = 0.0;
  for (int64_t t = 0; t < chunks; ++t) s += ws[t * stride + c];
  return s;
}

// Pass 1 of the moments: ws_sum (chunks, C) = Σ inp over each chunk of rows.
__global__ void bn_sum_kernel(double* __restrict__ ws_sum, const float* __restrict__ inp, int64_t N, int64_t C,
                              int64_t chunk) {
  __shared__ double part[8][33];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * chunk, r1 = min(N, r0 + chunk);
  double acc = 0.0;
  if (c < C)
    for (int64_t r = r0 + threadIdx.y; r < r1; r += 8) acc += __ldg(inp + r * C + c);
  store_lanes(ws_sum + blockIdx.y * C + c, acc, part, c < C);
}

// Pass 2: ws_sq (chunks, C) = Σ (inp − mean)² with mean = Σ ws_sum / N (every block computes the
// same double mean as bn_finalize_kernel, from the same slots in the same order).
__global__ void bn_sq_kernel(double* __restrict__ ws_sq, const double* __restrict__ ws_sum, const float* __restrict__ inp,
                             int64_t N, int64_t C, int64_t chunk, int64_t chunks) {
  __shared__ double part[8][33];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * chunk, r1 = min(N, r0 + chunk);
  double acc = 0.0;
  if (c < C) {
    const double mean = sum_slots(ws_sum, chunks, C, c) / static_cast<double>(N);
    for (int64_t r = r0 + threadIdx.y; r < r1; r += 8) {
      double d = __ldg(inp + r * C + c) - mean;
      acc += d * d;
    }
  }
  store_lanes(ws_sq + blockIdx.y * C + c, acc, part, c < C);
}

// Per channel: batch mean and biased variance, saved statistics, moving averages, and the float
// constants of the normalisation, consts (3, C) = [mean | scale | shift].
__global__ void bn_finalize_kernel(float* __restrict__ consts, float* __restrict__ saved_mean,
                                   float* __restrict__ saved_invstd, float* __restrict__ moving_mean,
                                   float* __restrict__ moving_var, const double* __restrict__ ws_sum,
                                   const double* __restrict__ ws_sq, const float* __restrict__ gamma,
                                   const float* __restrict__ beta, int64_t N, int64_t C, int64_t chunks,
                                   float momentum, float epsilon) {
  for (int64_t c = grid_start(); c < C; c += grid_stride()) {
    const double mean = sum_slots(ws_sum, chunks, C, c) / static_cast<double>(N);
    const double var = sum_slots(ws_sq, chunks, C, c) / static_cast<double>(N);
    const double invstd = 1.0 / sqrt(var + static_cast<double>(epsilon));
    const double gm = gamma ? static_cast<double>(gamma[c]) : 1.0, bt = beta ? static_cast<double>(beta[c]) : 0.0;
    const float mean_f = static_cast<float>(mean);
    consts[c] = mean_f;
    consts[C + c] = static_cast<float>(invstd * gm);
    consts[2 * C + c] = static_cast<float>(bt + (static_cast<double>(mean_f) - mean) * invstd * gm);
    if (saved_mean) saved_mean[c] = mean_f;
    if (saved_invstd) saved_invstd[c] = static_cast<float>(invstd);
    const double mom = static_cast<double>(momentum);
    if (moving_mean) moving_mean[c] = static_cast<float>(moving_mean[c] * mom + mean * (1.0 - mom));
    if (moving_var) moving_var[c] = static_cast<float>(moving_var[c] * mom + var * (1.0 - mom));
  }
}

// out (N,C) = (inp − mean)·scale + shift with the per-channel float constants (3, C).
__global__ void bn_apply_kernel(float* __restrict__ out, const float* __restrict__ inp, const float* __restrict__ consts,
                                int64_t N, int64_t C) {
  const int64_t total = N * C;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    const int64_t c = mod(i, C);
    out[i] = (__ldg(inp + i) - __ldg(consts + c)) * __ldg(consts + C + c) + __ldg(consts + 2 * C + c);
  }
}

// Inference: out = (inp − moving_mean)·scale + beta, scale = gamma/sqrt(moving_var + eps) in
// double then float, as the CPU. Blocks of 32 channels × 8 row lanes compute their channels'
// constants once (lane 0) and stride over the rows.
__global__ void bn_infer_kernel(float* __restrict__ out, const float* __restrict__ inp, const float* __restrict__ gamma,
                                const float* __restrict__ beta, const float* __restrict__ moving_mean,
                                const float* __restrict__ moving_var, int64_t N, int64_t C, float epsilon) {
  __shared__ float k_scale[32], k_shift[32], k_mean[32];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const bool active = c < C;
  if (threadIdx.y == 0 && active) {
    const double gm = gamma ? static_cast<double>(gamma[c]) : 1.0;
    k_scale[threadIdx.x] = static_cast<float>(gm / sqrt(static_cast<double>(moving_var[c]) + static_cast<double>(epsilon)));
    k_shift[threadIdx.x] = beta ? beta[c] : 0.f;
    k_mean[threadIdx.x] = moving_mean[c];
  }
  __syncthreads();
  if (!active) return;
  const float sc = k_scale[threadIdx.x], sh = k_shift[threadIdx.x], mn = k_mean[threadIdx.x];
  for (int64_t r = static_cast<int64_t>(blockIdx.y) * 8 + threadIdx.y; r < N; r += static_cast<int64_t>(gridDim.y) * 8)
    out[r * C + c] = (__ldg(inp + r * C + c) - mn) * sc + sh;
}

// Backward pass 1: ws (chunks, 2, C) = [Σ dout | Σ dout·(inp − saved_mean)] per chunk, in double,
// the difference taken in float as the CPU does.
__global__ void bn_backward_sums_kernel(double* __restrict__ ws, const float* __restrict__ dout,
                                        const float* __restrict__ inp, const float* __restrict__ saved_mean,
                                        int64_t N, int64_t C, int64_t chunk) {
  __shared__ double part[8][33];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * chunk, r1 = min(N, r0 + chunk);
  double a_dy = 0.0, a_dyx = 0.0;
  if (c < C) {
    const float mean = saved_mean[c];
    for (int64_t r = r0 + threadIdx.y; r < r1; r += 8) {
      const float g = __ldg(dout + r * C + c);
      a_dy += g;
      a_dyx += static_cast<double>(g) * static_cast<double>(__ldg(inp + r * C + c) - mean);
    }
  }
  double* slot = ws + blockIdx.y * 2 * C + c;
  store_lanes(slot, a_dy, part, c < C);
  __syncthreads();  // part is reused
  store_lanes(slot + C, a_dyx, part, c < C);
}

// Per channel: dbeta/dgamma accumulation and the float constants of dinp, consts (3, C) =
// [k1 = gamma·invstd | a = Σdy/N | k2 = invstd·Σ(dy·x̂)/N].
__global__ void bn_backward_finalize_kernel(float* __restrict__ consts, float* __restrict__ dgamma,
                                            float* __restrict__ dbeta, const double* __restrict__ ws,
                                            const float* __restrict__ gamma, const float* __restrict__ saved_invstd,
                                            int64_t N, int64_t C, int64_t chunks) {
  for (int64_t c = grid_start(); c < C; c += grid_stride()) {
    const double invstd = saved_invstd[c];
    const double sum_dy = sum_slots(ws, chunks, 2 * C, c);
    const double sum_dy_xhat = sum_slots(ws + C, chunks, 2 * C, c) * invstd;
    if (dbeta) dbeta[c] += static_cast<float>(sum_dy);
    if (dgamma) dgamma[c] += static_cast<float>(sum_dy_xhat);
    const double gm = gamma ? static_cast<double>(gamma[c]) : 1.0;
    consts[c] = static_cast<float>(gm * invstd);
    consts[C + c] = static_cast<float>(sum_dy / static_cast<double>(N));
    consts[2 * C + c] = static_cast<float>(invstd * sum_dy_xhat / static_cast<double>(N));
  }
}

// dinp += k1·(dout − a − (inp − saved_mean)·k2).
__global__ void bn_backward_apply_kernel(float* __restrict__ dinp, const float* __restrict__ dout,
                                         const float* __restrict__ inp, const float* __restrict__ saved_mean,
                                         const float* __restrict__ consts, int64_t N, int64_t C) {
  const int64_t total = N * C;
  for (int64_t i = grid_start(); i < total; i += grid_stride()) {
    const int64_t c = mod(i, C);
    const float k1 = __ldg(consts + c), a = __ldg(consts + C + c), k2 = __ldg(consts + 2 * C + c);
    dinp[i] += k1 * (__ldg(dout + i) - a - (__ldg(inp + i) - __ldg(saved_mean + c)) * k2);
  }
}

// ---- host side

// Row chunks of the reductions: about four blocks per SM in all, at least 64 rows each.
struct Chunks {
  int64_t count, rows;
  dim3 grid;  // (channel blocks, chunks)
};
Chunks chunks_of(int64_t N, int64_t C) {
  const int64_t cblocks = ceil_div(C, 32);
  int64_t want = ceil_div(4 * static_cast<int64_t>(device_sm_count()), cblocks);
  want = std::max<int64_t>(1, std::min({want, ceil_div(N, 64), int64_t{65535}}));
  Chunks ch;
  ch.rows = ceil_div(N, want);
  ch.count = ceil_div(N, ch.rows);
  ch.grid = dim3(static_cast<unsigned>(cblocks), static_cast<unsigned>(ch.count));
  return ch;
}

// Scratch layout: the double slots, then 3·C float constants.
size_t slot_bytes(const Chunks& ch, int64_t C, int per_channel) {
  return (static_cast<size_t>(ch.count * per_channel * C) * sizeof(double) + 255) / 256 * 256;
}

struct TrainJob {
  float *out, *saved_mean, *saved_invstd, *moving_mean, *moving_var;
  const float *inp, *gamma, *beta;
  kerno_batchnorm_params p;
  Chunks ch;
};

kerno_status run_train(void* scratch, void* ctx) {
  const TrainJob& j = *static_cast<const TrainJob*>(ctx);
  const int64_t N = j.p.N, C = j.p.C;
  double* ws_sum = static_cast<double*>(scratch);
  double* ws_sq = ws_sum + j.ch.count * C;
  float* consts = reinterpret_cast<float*>(static_cast<char*>(scratch) + slot_bytes(j.ch, C, 2));
  bn_sum_kernel<<<j.ch.grid, dim3(32, 8), 0, stream()>>>(ws_sum, j.inp, N, C, j.ch.rows);
  KERNO_CUDA_TRY(launch_status());
  bn_sq_kernel<<<j.ch.grid, dim3(32, 8), 0, stream()>>>(ws_sq, ws_sum, j.inp, N, C, j.ch.rows, j.ch.count);
  KERNO_CUDA_TRY(launch_status());
  bn_finalize_kernel<<<grid_for(C), 256, 0, stream()>>>(consts, j.saved_mean, j.saved_invstd, j.moving_mean,
                                                        j.moving_var, ws_sum, ws_sq, j.gamma, j.beta, N, C,
                                                        j.ch.count, j.p.momentum, j.p.epsilon);
  KERNO_CUDA_TRY(launch_status());
  bn_apply_kernel<<<grid_for(N * C), 256, 0, stream()>>>(j.out, j.inp, consts, N, C);
  return launch_status();
}

struct BackwardJob {
  float *dinp, *dgamma, *dbeta;
  const float *dout, *inp, *gamma, *saved_mean, *saved_invstd;
  kerno_batchnorm_params p;
  Chunks ch;
};

kerno_status run_backward(void* scratch, void* ctx) {
  const BackwardJob& j = *static_cast<const BackwardJob*>(ctx);
  const int64_t N = j.p.N, C = j.p.C;
  double* ws = static_cast<double*>(scratch);
  float* consts = reinterpret_cast<float*>(static_cast<char*>(scratch) + slot_bytes(j.ch, C, 2));
  bn_backward_sums_kernel<<<j.ch.grid, dim3(32, 8), 0, stream()>>>(ws, j.dout, j.inp, j.saved_mean, N, C, j.ch.rows);
  KERNO_CUDA_TRY(launch_status());
  bn_backward_finalize_kernel<<<grid_for(C), 256, 0, stream()>>>(consts, j.dgamma, j.dbeta, ws, j.gamma,
                                                                 j.saved_invstd, N, C, j.ch.count);
  KERNO_CUDA_TRY(launch_status());
  if (!j.dinp) return KERNO_OK;
  bn_backward_apply_kernel<<<grid_for(N * C), 256, 0, stream()>>>(j.dinp, j.dout, j.inp, j.saved_mean, consts, N, C);
  return launch_status();
}

}  // namespace

kerno_status batchnorm_forward_train(float* out, float* saved_mean, float* saved_invstd, float* moving_mean,
                                     float* moving_var, const float* inp, const float* gamma, const float* beta,
                                     const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(out, inp, p, true);
  if (s != KERNO_OK || p->C == 0) return s;
  if (ceil_div(p->C, 32) > 0x7fffffff) return KERNO_ERR_UNSUPPORTED;
  TrainJob j{out, saved_mean, saved_invstd, moving_mean, moving_var, inp, gamma, beta, *p, chunks_of(p->N, p->C)};
  return with_scratch(slot_bytes(j.ch, p->C, 2) + static_cast<size_t>(3 * p->C) * sizeof(float), run_train, &j);
}

kerno_status batchnorm_forward_infer(float* out, const float* inp, const float* gamma, const float* beta,
                                     const float* moving_mean, const float* moving_var,
                                     const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(out, inp, p, false);
  if (s != KERNO_OK || p->N == 0 || p->C == 0) return s;
  if (!moving_mean || !moving_var) return KERNO_ERR_INVALID_ARGUMENT;
  const int64_t cblocks = ceil_div(p->C, 32);
  if (cblocks > 0x7fffffff) return KERNO_ERR_UNSUPPORTED;
  // Enough row lanes for about four blocks per SM, never more blocks than rows of 8.
  int64_t rows = ceil_div(4 * static_cast<int64_t>(device_sm_count()), cblocks);
  rows = std::max<int64_t>(1, std::min({rows, ceil_div(p->N, 8), int64_t{65535}}));
  dim3 grid(static_cast<unsigned>(cblocks), static_cast<unsigned>(rows));
  bn_infer_kernel<<<grid, dim3(32, 8), 0, stream()>>>(out, inp, gamma, beta, moving_mean, moving_var, p->N, p->C,
                                                      p->epsilon);
  return launch_status();
}

kerno_status batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout, const float* inp,
                                const float* gamma, const float* saved_mean, const float* saved_invstd,
                                const kerno_batchnorm_params* p) {
  kerno_status s = batchnorm_check(dout, inp, p, false);
  if (s != KERNO_OK || p->N == 0 || p->C == 0) return s;
  if (!saved_mean || !saved_invstd) return KERNO_ERR_INVALID_ARGUMENT;
  if (ceil_div(p->C, 32) > 0x7fffffff) return KERNO_ERR_UNSUPPORTED;
  BackwardJob j{dinp, dgamma, dbeta, dout, inp, gamma, saved_mean, saved_invstd, *p, chunks_of(p->N, p->C)};
  return with_scratch(slot_bytes(j.ch, p->C, 2) + static_cast<size_t>(3 * p->C) * sizeof(float), run_backward, &j);
}

}  // namespace kerno::cuda
