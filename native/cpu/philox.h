// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random
// numbers: as easy as 1, 2, 3" (SC'11). A pure function of (counter, key): no state to share
// between threads, so element i of a fill can be computed anywhere, in any order.
// Header-only so the CPU code, a future CUDA kernel and the known-answer tests use one copy.
#ifndef KERNO_CPU_PHILOX_H
#define KERNO_CPU_PHILOX_H

#include <stdint.h>

#if defined(__CUDACC__)
#define KERNO_HD __host__ __device__ __forceinline__
#else
#define KERNO_HD inline
#endif

namespace kerno {

struct Philox4x32 {
  uint32_t v[4];
};

constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;  // round multipliers
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;  // key bumps (Weyl)

KERNO_HD Philox4x32 philox_round(Philox4x32 c, uint32_t k0, uint32_t k1) {
  uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c.v[0];
  uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c.v[2];
  Philox4x32 r;
  r.v[0] = static_cast<uint32_t>(p1 >> 32) ^ c.v[1] ^ k0;
  r.v[1] = static_cast<uint32_t>(p1);
  r.v[2] = static_cast<uint32_t>(p0 >> 32) ^ c.v[3] ^ k1;
  r.v[3] = static_cast<uint32_t>(p0);
  return r;
}

// Ten rounds; the key is bumped between rounds (nine bumps), as in Random123's philox4x32_R.
KERNO_HD Philox4x32 philox4x32_10(Philox4x32 ctr, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    ctr = philox_round(ctr, k0, k1);
  }
  return ctr;
}

}  // namespace kerno

#endif
