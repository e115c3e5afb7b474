// Run-time CPU feature detection: the addon is built once and must run on any x86-64 (and on
// other architectures through the portable kernels), so SIMD levels are chosen here, not by
// compiler flags.
#include "runtime/cpu_features.h"

#include <cstdio>
#include <set>
#include <thread>
#include <utility>

#if defined(__linux__)
#include <sched.h>
#endif

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define KERNO_X86 1
#endif

namespace kerno {
namespace {

#if KERNO_X86
uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

void detect_simd(kerno_cpu_features* f) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return;
  bool osxsave = c & (1u << 27), fma = c & (1u << 12), avx = c & (1u << 28);
  if (!osxsave || !avx) return;
  uint64_t xcr0 = xgetbv0();
  bool ymm_state = (xcr0 & 0x6) == 0x6;            // SSE + AVX registers saved by the OS
  bool zmm_state = (xcr0 & 0xE6) == 0xE6;          // + opmask and upper ZMM state
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return;
  bool avx2 = b & (1u << 5), avx512f = b & (1u << 16), avx512dq = b & (1u << 17);
  f->avx2_fma = ymm_state && avx2 && fma;
  f->avx512f = f->avx2_fma && zmm_state && avx512f && avx512dq;
}
#else
void detect_simd(kerno_cpu_features*) {}
#endif

// Physical cores available to this process: GEMM threads sharing one core's FMA units only
// slow each other down, so the default thread count ignores SMT siblings.
int detect_physical_cores() {
  int logical = static_cast<int>(std::thread::hardware_concurrency());
  if (logical < 1) logical = 1;
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return logical;
  std::set<std::pair<int, int>> cores;
  int allowed = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    ++allowed;
    char path[128];
    int pkg = 0, core = cpu;
    std::snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
    if (FILE* fp = std::fopen(path, "r")) {
      if (std::fscanf(fp, "%d", &pkg) != 1) pkg = 0;
      std::fclose(fp);
    }
    std::snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
    if (FILE* fp = std::fopen(path, "r")) {
      if (std::fscanf(fp, "%d", &core) != 1) core = cpu;
      std::fclose(fp);
    }
    cores.insert({pkg, core});
  }
  if (!cores.empty()) return static_cast<int>(cores.size());
  return allowed > 0 ? allowed : logical;
#else
  return logical;
#endif
}

}  // namespace

const kerno_cpu_features& cpu_features() {
  static const kerno_cpu_features f = [] {
    kerno_cpu_features r{0, 0, 1};
    detect_simd(&r);
    r.physical_cores = detect_physical_cores();
    return r;
  }();
  return f;
}

}  // namespace kerno

extern "C" kerno_cpu_features kerno_cpu_detect(void) { return kerno::cpu_features(); }
