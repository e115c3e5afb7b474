// Random fills on the GPU from Philox4x32-10 (native/cpu/philox.h, shared with the CPU), with the
// element → counter mapping and the float transforms of native/cpu/rng.cc, so a fill gives the
// CPU's numbers: uniform fills bit for bit; normal fills too except where CUDA's double log/cos
// (1-2 ulp) and glibc's land on opposite sides of a float rounding boundary (rng.cc estimates
// one element in ~10^8). N = element count. One thread per element, each computing its own
// Philox block, so any split of a fill into calls gives the same numbers.
//
// The transforms are written with __dmul_rn/__dadd_rn: nvcc would otherwise fuse a + b·z into
// one rounding, while the CPU rounds the product first.
#include <cuda_runtime.h>

#include <cmath>

#include "cpu/arg_checks.h"
#include "cpu/philox.h"
#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {

using checks::rng_check_fill;

namespace {

constexpr uint32_t kMaxAttempts = 64;        // truncated normal redraws (rng.cc)
constexpr double kTwoPow24Inv = 1.0 / 16777216.0;
constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr uint32_t kStreamUniform = 0, kStreamNormal = 1;

struct FillArgs {
  int distribution;
  float a, b;
  double da, dd;  // uniform: a and b − a in double
  float below_b;  // uniform: the float just below b (a when a == b)
  uint32_t k0, k1;
  uint64_t offset;
};

__device__ __forceinline__ Philox4x32 block(const FillArgs& f, uint64_t q, uint32_t attempt, uint32_t s) {
  Philox4x32 c{{static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), attempt, s}};
  return philox4x32_10(c, f.k0, f.k1);
}

// Word i of a block, by selects: indexing x.v with a run-time i would put x in local memory.
__device__ __forceinline__ uint32_t word(const Philox4x32& x, uint32_t i) {
  uint32_t lo = (i & 1) ? x.v[1] : x.v[0], hi = (i & 1) ? x.v[3] : x.v[2];
  return (i & 2) ? hi : lo;
}

// Box–Muller, cosine branch, in double (rng.cc's box_muller).
__device__ __forceinline__ double normal_z(const FillArgs& f, uint64_t j, uint32_t attempt) {
  Philox4x32 x = block(f, j >> 1, attempt, kStreamNormal);
  const bool second = (j & 1) != 0;  // element j owns words 2·(j & 1) and 2·(j & 1) + 1
  double u1 = (((second ? x.v[2] : x.v[0]) >> 8) + 1) * kTwoPow24Inv;
  double u2 = ((second ? x.v[3] : x.v[1]) >> 8) * kTwoPow24Inv;
  return __dmul_rn(sqrt(__dmul_rn(-2.0, log(u1))), cos(__dmul_rn(kTwoPi, u2)));
}

__device__ __forceinline__ float shift_scale(float a, float b, double z) {
  return static_cast<float>(__dadd_rn(static_cast<double>(a), __dmul_rn(static_cast<double>(b), z)));
}

__global__ void rng_fill_kernel(float* out, int64_t N, FillArgs f) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const uint64_t j = f.offset + static_cast<uint64_t>(i);  // wraps mod 2^64, as on the CPU
    float v;
    if (f.distribution == KERNO_DIST_UNIFORM) {
      uint32_t x = word(block(f, j >> 2, 0, kStreamUniform), static_cast<uint32_t>(j & 3));
      v = static_cast<float>(__dadd_rn(f.da, __dmul_rn(f.dd, (x >> 8) * kTwoPow24Inv)));
      if (v >= f.b) v = f.below_b;
    } else if (f.distribution == KERNO_DIST_NORMAL) {
      v = shift_scale(f.a, f.b, normal_z(f, j, 0));
    } else {  // truncated: the first attempt with |z| < 2, else the mean
      v = f.a;
      for (uint32_t r = 0; r < kMaxAttempts; ++r) {
        double z = normal_z(f, j, r);
        if (fabs(z) < 2.0) {
          v = shift_scale(f.a, f.b, z);
          break;
        }
      }
    }
    out[i] = v;
  }
}

}  // namespace

kerno_status rng_fill(float* out, int64_t N, const kerno_rng_params* p) {
  KERNO_CUDA_TRY(rng_check_fill(out, N, p));
  if (N == 0) return KERNO_OK;
  FillArgs f;
  f.distribution = p->distribution;
  f.a = p->a;
  f.b = p->b;
  f.da = p->a;
  f.dd = static_cast<double>(p->b) - p->a;
  f.below_b = p->a < p->b ? std::nextafter(p->b, p->a) : p->a;
  f.k0 = static_cast<uint32_t>(p->seed);
  f.k1 = static_cast<uint32_t>(p->seed >> 32);
  f.offset = p->offset;
  rng_fill_kernel<<<grid_for(N), 256, 0, stream()>>>(out, N, f);
  return launch_status();
}

}  // namespace kerno::cuda
