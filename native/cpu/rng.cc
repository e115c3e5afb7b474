// Random fills from the counter-based Philox4x32-10 generator (philox.h).
// N = element count; out is (N) float32.
//
// THE ELEMENT → COUNTER MAPPING (part of the reproducibility contract: saved seeds, dropout
// masks and every backend depend on it; changing it changes every model's initial weights).
//   key  = (seed & 0xffffffff, seed >> 32)
//   j    = offset + i, the element's global index (uint64, wraps mod 2^64)
//   bits(x) = x >> 8, the top 24 bits of a 32-bit output word
//   UNIFORM [a, b): block q = j >> 2, counter (q lo32, q hi32, 0, 0), output word j & 3;
//     u = bits(x)·2^-24 ∈ [0, 1); out = float(a + (b − a)·u) computed in double; a result that
//     rounds up to b is replaced by the float just below b (a == b gives a).
//   NORMAL (mean a, stddev b): block q = j >> 1, attempt r = 0, counter (q lo32, q hi32, r, 1);
//     element j owns output words 2·(j & 1) and 2·(j & 1) + 1 (x0, x1), so no two elements share
//     a word; u1 = (bits(x0) + 1)·2^-24 ∈ (0, 1], u2 = bits(x1)·2^-24 ∈ [0, 1);
//     z = sqrt(−2·ln u1)·cos(2π·u2) (Box–Muller, cosine branch, in double); out = float(a + b·z).
//   TRUNCATED NORMAL: as NORMAL with attempts r = 0, 1, 2, ...: the first z with |z| < 2 is used
//     (so elements already inside ±2σ equal the NORMAL fill). After kMaxAttempts rejections
//     (probability 0.0455^64, never in practice) the element is the mean a.
// The transforms run in double and round once to float, so backends whose libm differ in the last
// bit of log/cos (glibc vs CUDA) still agree, except when a double lands within an ulp of a float
// rounding boundary (about one element in 10^8).
#include <cmath>

#include "cpu/arg_checks.h"
#include "ops.h"
#include "philox.h"
#include "runtime/threadpool.h"

namespace kerno {

using checks::rng_check_fill;

namespace {

constexpr int64_t kGrain = 1 << 14;
constexpr uint32_t kMaxAttempts = 64;
constexpr double kTwoPow24Inv = 1.0 / 16777216.0;
constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr uint32_t kStreamUniform = 0, kStreamNormal = 1;

struct Key {
  uint32_t k0, k1;
};

Key key_of(uint64_t seed) { return {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}; }

Philox4x32 block(Key k, uint64_t q, uint32_t attempt, uint32_t stream) {
  Philox4x32 c{{static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), attempt, stream}};
  return philox4x32_10(c, k.k0, k.k1);
}

// Per-fill constants of the uniform map.
struct UniformMap {
  double a, d;
  float b, below_b;
};

UniformMap uniform_map(float a, float b) {
  return {a, static_cast<double>(b) - a, b, a < b ? std::nextafter(b, a) : a};
}

float to_uniform(const UniformMap& m, uint32_t x) {
  float f = static_cast<float>(m.a + m.d * ((x >> 8) * kTwoPow24Inv));
  return f >= m.b ? m.below_b : f;
}

// Uniform element j on its own (a whole block for one word: the reference, and unaligned ends).
float uniform_at(const UniformMap& m, Key k, uint64_t j) {
  return to_uniform(m, block(k, j >> 2, 0, kStreamUniform).v[j & 3]);
}

double box_muller(uint32_t x0, uint32_t x1) {
  double u1 = ((x0 >> 8) + 1) * kTwoPow24Inv;
  double u2 = (x1 >> 8) * kTwoPow24Inv;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

double normal_z(Key k, uint64_t j, uint32_t attempt) {
  Philox4x32 x = block(k, j >> 1, attempt, kStreamNormal);
  int w = 2 * static_cast<int>(j & 1);
  return box_muller(x.v[w], x.v[w + 1]);
}

// Redraws of a truncated-normal element that fell outside ±2σ on attempt 0.
float truncated_retry(Key k, uint64_t j, float a, float b) {
  for (uint32_t r = 1; r < kMaxAttempts; ++r) {
    double z = normal_z(k, j, r);
    if (std::fabs(z) < 2.0) return static_cast<float>(a + b * z);
  }
  return a;
}

// ---- reference: every element computed on its own, straight from the mapping above ---------

float ref_element(const kerno_rng_params& p, const UniformMap& um, Key k, uint64_t j) {
  if (p.distribution == KERNO_DIST_UNIFORM) return uniform_at(um, k, j);
  uint32_t attempts = p.distribution == KERNO_DIST_NORMAL ? 1 : kMaxAttempts;
  for (uint32_t r = 0; r < attempts; ++r) {
    double z = normal_z(k, j, r);
    if (p.distribution == KERNO_DIST_NORMAL || std::fabs(z) < 2.0) return static_cast<float>(p.a + p.b * z);
  }
  return p.a;
}

// ---- fast: whole Philox blocks, 16 at a time in structure-of-arrays form (vectorisable) -----

constexpr int kBatch = 16;

// Elements j0 .. j0+63 (j0 a multiple of 4): 16 whole blocks. The block index is taken from the
// element index each time so that a fill wrapping past 2^64 wraps the blocks with it.
void uniform_batch(float* out, Key k, uint64_t j0, const UniformMap& um) {
  uint32_t c0[kBatch], c1[kBatch], c2[kBatch], c3[kBatch];
  for (int t = 0; t < kBatch; ++t) {
    uint64_t q = (j0 + 4 * static_cast<uint64_t>(t)) >> 2;
    c0[t] = static_cast<uint32_t>(q);
    c1[t] = static_cast<uint32_t>(q >> 32);
    c2[t] = 0;
    c3[t] = kStreamUniform;
  }
  uint32_t k0 = k.k0, k1 = k.k1;
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    for (int t = 0; t < kBatch; ++t) {
      uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0[t];
      uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2[t];
      uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[t] ^ k0;
      uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[t] ^ k1;
      c1[t] = static_cast<uint32_t>(p1);
      c3[t] = static_cast<uint32_t>(p0);
      c0[t] = n0;
      c2[t] = n2;
    }
  }
  for (int t = 0; t < kBatch; ++t) {
    out[4 * t + 0] = to_uniform(um, c0[t]);
    out[4 * t + 1] = to_uniform(um, c1[t]);
    out[4 * t + 2] = to_uniform(um, c2[t]);
    out[4 * t + 3] = to_uniform(um, c3[t]);
  }
}

// Elements [j0, j0 + n) of a uniform fill: unaligned head and tail one by one, whole batches between.
void uniform_range(float* out, Key k, uint64_t j0, int64_t n, const UniformMap& um) {
  int64_t i = 0;
  for (; i < n && ((j0 + i) & 3) != 0; ++i) out[i] = uniform_at(um, k, j0 + i);
  for (; i + 4 * kBatch <= n; i += 4 * kBatch) uniform_batch(out + i, k, j0 + i, um);
  for (; i < n; ++i) out[i] = uniform_at(um, k, j0 + i);
}

// Normal / truncated-normal elements [j0, j0 + n): one block per pair of elements.
void normal_range(float* out, Key k, uint64_t j0, int64_t n, const kerno_rng_params& p) {
  const bool truncated = p.distribution == KERNO_DIST_TRUNCATED_NORMAL;
  Philox4x32 x{};
  for (int64_t i = 0; i < n; ++i) {
    uint64_t j = j0 + i;
    if (i == 0 || (j & 1) == 0) x = block(k, j >> 1, 0, kStreamNormal);
    int w = 2 * static_cast<int>(j & 1);
    double z = box_muller(x.v[w], x.v[w + 1]);
    out[i] = truncated && !(std::fabs(z) < 2.0) ? truncated_retry(k, j, p.a, p.b)
                                                : static_cast<float>(p.a + p.b * z);
  }
}

}  // namespace

kerno_status ref_rng_fill(float* out, int64_t N, const kerno_rng_params* p) {
  kerno_status s = rng_check_fill(out, N, p);
  if (s != KERNO_OK) return s;
  const Key k = key_of(p->seed);
  const UniformMap um = uniform_map(p->a, p->b);
  for (int64_t i = 0; i < N; ++i) out[i] = ref_element(*p, um, k, p->offset + static_cast<uint64_t>(i));
  return KERNO_OK;
}

kerno_status cpu_rng_fill(float* out, int64_t N, const kerno_rng_params* p) {
  kerno_status s = rng_check_fill(out, N, p);
  if (s != KERNO_OK) return s;
  const Key k = key_of(p->seed);
  const UniformMap um = uniform_map(p->a, p->b);
  const kerno_rng_params prm = *p;
  // Normals cost ~20x a uniform (log, cos), so they split into threads at a smaller size.
  const bool uniform = prm.distribution == KERNO_DIST_UNIFORM;
  parallel_for(N, uniform ? kGrain : kGrain / 16, [&](int64_t b, int64_t e) {
    uint64_t j0 = prm.offset + static_cast<uint64_t>(b);
    if (uniform) uniform_range(out + b, k, j0, e - b, um);
    else normal_range(out + b, k, j0, e - b, prm);
  });
  return KERNO_OK;
}

}  // namespace kerno
