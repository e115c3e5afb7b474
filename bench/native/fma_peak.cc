// kerno_fma_peak: the machine's FP32 FMA throughput, the roofline GEMM results are reported
// against. Plain C++ (no Node), so it also runs on GPU machines; kerno is used only for cpuid.
//
// Usage: kerno_fma_peak [--json] [--threads N]   (default N: physical cores; runs 1 and N)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fma_peak.h"

int main(int argc, char** argv) {
  bool json = false;
  int max_threads = kerno_cpu_detect().physical_cores;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) json = true;
    else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) max_threads = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: kerno_fma_peak [--json] [--threads N]\n");
      return 2;
    }
  }
  if (max_threads < 1) max_threads = 1;
  std::string rows;
  if (!json) std::printf("%-10s %8s %10s\n", "isa", "threads", "GFLOP/s");
  for (const fma_peak::Level& level : fma_peak::levels())
    for (int t = 1; t <= max_threads; t = t == 1 && max_threads > 1 ? max_threads : max_threads + 1) {
      double g = fma_peak::measure(level, t);
      char buf[128];
      if (json) {
        std::snprintf(buf, sizeof(buf), "%s{\"isa\":\"%s\",\"threads\":%d,\"gflops\":%.1f}",
                      rows.empty() ? "" : ",", level.isa, t, g);
        rows += buf;
      } else {
        std::printf("%-10s %8d %10.1f\n", level.isa, t, g);
      }
    }
  if (json) std::printf("{\"bench\":\"fma_peak\",\"results\":[%s]}\n", rows.c_str());
  return 0;
}
