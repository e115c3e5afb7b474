// FP32 FMA peak measurement shared by kerno_fma_peak and kerno_gemm_bench (header-only, so each
// benchmark stays one source file in CMake). Each thread runs independent accumulator chains —
// more chains than FMA latency × FMA ports, so the FMA units and not the dependency chains are
// the limit — for a fixed number of iterations; a measurement is the best of a few runs.
#ifndef KERNO_BENCH_FMA_PEAK_H
#define KERNO_BENCH_FMA_PEAK_H

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "kerno/kernels.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define KERNO_BENCH_X86 1
#endif

namespace fma_peak {

constexpr int64_t kIters = 20'000'000;  // per thread: 0.1–0.3 s at a few GHz

#if KERNO_BENCH_X86
// 12 chains × 8 lanes × 2 flops per iteration: 12 ≥ latency (4–5) × 2 ports.
__attribute__((target("avx2,fma"))) inline float chains_avx2(int64_t iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, a);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  return _mm256_cvtss_f32(s);  // returned so the chains are not dead code
}

// 24 chains × 16 lanes: AVX-512 has 32 registers and up to 2 FMA ports.
__attribute__((target("avx512f"))) inline float chains_avx512(int64_t iters) {
  __m512 acc[24];
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, a);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 24; ++i) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);  // (_mm512_reduce_add_ps trips -Wuninitialized in GCC 12's header)
  return lanes[0];
}
#endif

struct Level {
  const char* isa;
  double flops_per_iter;
  float (*chains)(int64_t iters);
};

// FMA levels this CPU runs, narrowest first.
inline std::vector<Level> levels() {
  std::vector<Level> out;
#if KERNO_BENCH_X86
  kerno_cpu_features f = kerno_cpu_detect();
  if (f.avx2_fma) out.push_back({"avx2_fma", 12 * 8 * 2, chains_avx2});
  if (f.avx512f) out.push_back({"avx512f", 24 * 16 * 2, chains_avx512});
#endif
  return out;
}

// GFLOP/s of `threads` threads started together, best of `reps` runs.
inline double measure(const Level& level, int threads, int reps = 5) {
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<float> sink(static_cast<size_t>(threads));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        ready.fetch_add(1);
        while (!go.load()) std::this_thread::yield();
        sink[static_cast<size_t>(t)] = level.chains(kIters);
      });
    while (ready.load() < threads) std::this_thread::yield();
    auto t0 = std::chrono::steady_clock::now();
    go.store(true);
    for (auto& th : pool) th.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, level.flops_per_iter * static_cast<double>(kIters) * threads / s / 1e9);
    volatile float keep = sink[0];
    (void)keep;
  }
  return best;
}

}  // namespace fma_peak

#endif
