// kerno_gemm_bench: GFLOP/s of the CPU GEMM on square sizes and the MLP training shapes, on 1 and
// N threads, each as a fraction of the FMA peak measured in the same run (fma_peak.h).
// Plain C++ (no Node), so it also runs on GPU machines.
//
// Usage: kerno_gemm_bench [--json] [--backend NAME] [--threads N] [--filter SUBSTR] [--reps R]
//                         [--cpu-time] [--shape M,K,N[,trans_a,trans_b]]...
//   --backend  a backend table name (default: kerno_backend_cpu(), the one kerno would use)
//   --threads  the largest thread count (default: physical cores); runs 1 and N
//   --filter   only shapes whose name contains SUBSTR
//   --reps     timed calls per case (default: enough for ~0.3 s, at least 5); the median is reported
//   --cpu-time time by process CPU seconds per thread instead of wall time: steadier on a machine
//              shared with other jobs (preemption is not counted); for tuning, report wall time
//   --shape    run these shapes instead of the built-in list
// M, N, K: C (M,N) = op(A) (M,K) · op(B) (K,N).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "fma_peak.h"
#include "kerno/kernels.h"

namespace {

struct Shape {
  std::string name;
  int64_t M, N, K;
  int trans_a, trans_b;
  float beta;
};

// The MLP shapes are a 784-256-10 Dense network at batch 32 on MNIST-sized data (60000 samples).
std::vector<Shape> builtin_shapes() {
  return {
      {"square-128", 128, 128, 128, 0, 0, 0.f},
      {"square-256", 256, 256, 256, 0, 0, 0.f},
      {"square-512", 512, 512, 512, 0, 0, 0.f},
      {"square-1024", 1024, 1024, 1024, 0, 0, 0.f},
      {"square-2048", 2048, 2048, 2048, 0, 0, 0.f},
      {"mlp-forward 32x784x256", 32, 256, 784, 0, 0, 0.f},        // out = inp · kernel
      {"mlp-dkernel 784x32x256 tA", 784, 256, 32, 1, 0, 1.f},     // dkernel += inpᵀ · dout
      {"mlp-dinp 32x256x784 tB", 32, 784, 256, 0, 1, 0.f},        // dinp = dout · kernelᵀ
      {"mlp-predict 60000x784x256", 60000, 256, 784, 0, 0, 0.f},  // the whole data set at once
  };
}

struct Options {
  bool json = false, cpu_time = false;
  const kerno_backend* backend = nullptr;
  int max_threads = 1, reps = 0;
  const char* filter = nullptr;
  std::vector<Shape> shapes;
};

struct Result {
  std::string shape;
  int threads;
  double ms, gflops, pct, best_gflops;  // ms and gflops: the median call; best: the fastest call
};

// Seconds of wall time, or of process CPU time divided by the thread count (--cpu-time).
double now_s(bool cpu_time, int threads) {
  if (cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec)) / threads;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median and best seconds per call (the median is the figure; the best shows what the code does
// when the machine leaves it alone). Returns false if the kernel reports an error.
bool time_gemm(const Options& o, const Shape& s, int threads, double* median, double* best) {
  int64_t a_rows = s.trans_a ? s.K : s.M, a_cols = s.trans_a ? s.M : s.K;
  int64_t b_rows = s.trans_b ? s.N : s.K, b_cols = s.trans_b ? s.K : s.N;
  std::vector<float> A(static_cast<size_t>(a_rows * a_cols)), B(static_cast<size_t>(b_rows * b_cols));
  std::vector<float> C(static_cast<size_t>(s.M * s.N), 0.f);
  uint32_t x = 12345;
  for (auto* v : {&A, &B})
    for (float& f : *v) f = static_cast<float>((x = x * 1664525u + 1013904223u) >> 8) / 16777216.f - 0.5f;
  kerno_gemm_params p{s.trans_a, s.trans_b, s.M, s.N, s.K, a_cols, b_cols, s.N, 1.f, s.beta};
  auto call = [&] { return o.backend->gemm(C.data(), A.data(), B.data(), &p); };
  if (call() != KERNO_OK) return false;  // warm-up: scratch buffers, caches, page faults
  double t0 = now_s(o.cpu_time, threads);
  call();
  double once = std::max(now_s(o.cpu_time, threads) - t0, 1e-6);
  int reps = o.reps > 0 ? o.reps : std::max(5, std::min(200, static_cast<int>(0.3 / once)));
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    t0 = now_s(o.cpu_time, threads);
    call();
    times.push_back(now_s(o.cpu_time, threads) - t0);
  }
  std::sort(times.begin(), times.end());
  *median = times[times.size() / 2];
  *best = times[0];
  return true;
}

bool parse(int argc, char** argv, Options* o) {
  o->backend = kerno_backend_cpu();
  o->max_threads = kerno_cpu_detect().physical_cores;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--json") o->json = true;
    else if (a == "--cpu-time") o->cpu_time = true;
    else if (a == "--backend" && has_value) o->backend = kerno_backend_by_name(argv[++i]);
    else if (a == "--threads" && has_value) o->max_threads = std::atoi(argv[++i]);
    else if (a == "--filter" && has_value) o->filter = argv[++i];
    else if (a == "--reps" && has_value) o->reps = std::atoi(argv[++i]);
    else if (a == "--shape" && has_value) {
      long long m = 0, k = 0, n = 0;
      int ta = 0, tb = 0;
      if (std::sscanf(argv[++i], "%lld,%lld,%lld,%d,%d", &m, &k, &n, &ta, &tb) < 3 || m < 1 || k < 1 || n < 1)
        return false;
      std::string name = "custom " + std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n);
      o->shapes.push_back({name + (ta ? " tA" : "") + (tb ? " tB" : ""), m, n, k, ta, tb, 0.f});
    } else {
      return false;
    }
  }
  if (o->shapes.empty()) o->shapes = builtin_shapes();
  o->max_threads = std::max(1, o->max_threads);
  return true;
}

// The roofline is the FMA level the backend uses: AVX2 for cpu-avx2 even on an AVX-512 machine.
const fma_peak::Level* roofline(const kerno_backend* backend, std::vector<fma_peak::Level>& levels) {
  bool avx512 = std::strcmp(backend->name, "cpu-avx512") == 0;
  const fma_peak::Level* level = nullptr;
  for (const auto& l : levels)
    if (avx512 || std::strcmp(l.isa, "avx512f") != 0) level = &l;
  return level;
}

void print_json(const Options& o, const char* isa, const std::vector<int>& counts,
                const std::vector<double>& peak, const std::vector<Result>& results) {
  std::printf("{\"bench\":\"gemm\",\"backend\":\"%s\",\"peak_isa\":\"%s\",\"peak\":{", o.backend->name, isa);
  for (size_t i = 0; i < counts.size(); ++i) std::printf("%s\"%d\":%.1f", i ? "," : "", counts[i], peak[i]);
  std::printf("},\"results\":[");
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    std::printf("%s{\"shape\":\"%s\",\"threads\":%d,\"ms\":%.4f,\"gflops\":%.2f,\"pct_peak\":%.1f,"
                "\"best_gflops\":%.2f}",
                i ? "," : "", r.shape.c_str(), r.threads, r.ms, r.gflops, r.pct, r.best_gflops);
  }
  std::printf("]}\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: kerno_gemm_bench [--json] [--backend NAME] [--threads N] [--filter S] [--reps R]\n"
                 "                        [--cpu-time] [--shape M,K,N[,trans_a,trans_b]]...\n");
    return 2;
  }
  if (!o.backend) {
    std::fprintf(stderr, "kerno_gemm_bench: no such backend on this machine\n");
    return 2;
  }
  std::vector<int> counts = {1};
  if (o.max_threads > 1) counts.push_back(o.max_threads);
  std::vector<fma_peak::Level> levels = fma_peak::levels();
  const fma_peak::Level* level = roofline(o.backend, levels);
  const char* isa = level ? level->isa : "none";
  std::vector<double> peak;
  for (int t : counts) peak.push_back(level ? fma_peak::measure(*level, t) : 0.0);

  if (!o.json) {
    std::printf("backend %s; FMA peak (%s):", o.backend->name, isa);
    for (size_t i = 0; i < counts.size(); ++i)
      std::printf(" %.1f GFLOP/s on %d thread(s);", peak[i], counts[i]);
    std::printf("\nmedian of the calls; best = GFLOP/s of the fastest call\n");
    std::printf("%-28s %7s %10s %10s %8s %10s\n", "shape (MxKxN)", "threads", "ms", "GFLOP/s", "% peak",
                "best");
  }
  std::vector<Result> results;
  for (const Shape& s : o.shapes) {
    if (o.filter && s.name.find(o.filter) == std::string::npos) continue;
    for (size_t ti = 0; ti < counts.size(); ++ti) {
      double median = 0, best = 0;
      if (kerno_set_num_threads(counts[ti]) != KERNO_OK || !time_gemm(o, s, counts[ti], &median, &best)) {
        std::fprintf(stderr, "kerno_gemm_bench: %s failed\n", s.name.c_str());
        return 1;
      }
      double flop = 2.0 * static_cast<double>(s.M) * static_cast<double>(s.N) * static_cast<double>(s.K);
      double gf = flop / median / 1e9;
      double pct = peak[ti] > 0 ? 100.0 * gf / peak[ti] : 0.0;
      Result r{s.name, counts[ti], median * 1e3, gf, pct, flop / best / 1e9};
      if (!o.json)
        std::printf("%-28s %7d %10.3f %10.1f %7.1f%% %10.1f\n", r.shape.c_str(), r.threads, r.ms, r.gflops,
                    r.pct, r.best_gflops);
      std::fflush(stdout);
      results.push_back(r);
    }
  }
  if (o.json) print_json(o, isa, counts, peak, results);
  return 0;
}
