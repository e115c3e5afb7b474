// kerno_conv_bench: GFLOP/s of the CPU Conv2D kernels (forward, backward-data, backward-filter
// and their sum) on the reference CNN's conv layers, as a fraction of the FMA peak measured in
// the same run (fma_peak.h), plus the im2col scratch each shape needs. Plain C++ (no Node).
//
// Usage: kerno_conv_bench [--backend NAME] [--threads N] [--reps R]
//   --backend  a backend table name (default: kerno_backend_cpu(), the one kerno would use)
//   --threads  worker threads (default: physical cores)
//   --reps     timed repetitions per kernel (default 20); the median is reported
// B = batch, H, W = input spatial, C = input channels, K = filters, P = B·OH·OW, D = KH·KW·C;
// each kernel costs 2·P·D·K flops.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "cpu/ops_conv.h"
#include "fma_peak.h"
#include "kerno/kernels.h"

namespace {

struct Shape {
  const char* name;
  int64_t H, W, C, K, KH, KW;  // 'valid', stride 1
};

// The reference CNN: Conv2D(32, 3×3) on 28×28×1, MaxPool 2×2, Conv2D(64, 3×3) on 13×13×32.
const Shape kShapes[] = {
    {"conv1 28x28x1->32 3x3", 28, 28, 1, 32, 3, 3},
    {"conv2 13x13x32->64 3x3", 13, 13, 32, 64, 3, 3},
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median seconds of one call of fn over reps runs after a warm-up; < 0 when fn fails.
double median_time(int reps, const std::function<kerno_status()>& fn) {
  if (fn() != KERNO_OK) return -1;
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    double t0 = now_s();
    fn();
    t.push_back(now_s() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

kerno_conv2d_params params(const Shape& s, int64_t B) {
  kerno_conv2d_params p{};
  p.B = B, p.H = s.H, p.W = s.W, p.C = s.C, p.K = s.K, p.KH = s.KH, p.KW = s.KW;
  p.OH = s.H - s.KH + 1, p.OW = s.W - s.KW + 1;
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  return p;
}

void run_shape(const kerno_backend* be, const Shape& s, int64_t B, int reps, double peak) {
  kerno_conv2d_params p = params(s, B);
  std::vector<float> inp(static_cast<size_t>(B * s.H * s.W * s.C), 0.5f), dinp(inp.size(), 0.f);
  std::vector<float> kernel(static_cast<size_t>(s.KH * s.KW * s.C * s.K), 0.01f), dk(kernel.size(), 0.f);
  std::vector<float> bias(static_cast<size_t>(s.K), 0.1f), db(bias.size(), 0.f);
  std::vector<float> out(static_cast<size_t>(B * p.OH * p.OW * s.K), 0.f), dout(out.size(), 0.01f);
  double flops = 2.0 * static_cast<double>(B * p.OH * p.OW) * static_cast<double>(s.KH * s.KW * s.C * s.K);
  double t[3] = {
      median_time(reps, [&] { return be->conv2d_forward(out.data(), inp.data(), kernel.data(), bias.data(), &p); }),
      median_time(reps, [&] { return be->conv2d_backward_data(dinp.data(), dout.data(), kernel.data(), &p); }),
      median_time(reps, [&] {
        return be->conv2d_backward_filter(dk.data(), db.data(), dout.data(), inp.data(), &p);
      }),
  };
  const char* names[3] = {"forward", "backward-data", "backward-filter"};
  double total = 0;
  for (int i = 0; i < 3; ++i) {
    if (t[i] < 0) {
      std::printf("  %-24s B=%-4lld %-16s failed\n", s.name, static_cast<long long>(B), names[i]);
      return;
    }
    total += t[i];
    std::printf("  %-24s B=%-4lld %-16s %8.3f ms %7.1f GFLOP/s %5.1f%% of peak\n", s.name,
                static_cast<long long>(B), names[i], t[i] * 1e3, flops / t[i] / 1e9, 100 * flops / t[i] / 1e9 / peak);
  }
  std::printf("  %-24s B=%-4lld %-16s %8.3f ms %7.1f GFLOP/s %5.1f%% of peak; scratch %.2f MiB\n", s.name,
              static_cast<long long>(B), "fwd+bwd", total * 1e3, 3 * flops / total / 1e9,
              100 * 3 * flops / total / 1e9 / peak,
              static_cast<double>(kerno::conv2d_scratch_floats(&p)) * 4 / (1 << 20));
}

}  // namespace

int main(int argc, char** argv) {
  const kerno_backend* be = kerno_backend_cpu();
  int threads = kerno_get_num_threads(), reps = 20;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--backend") && i + 1 < argc) be = kerno_backend_by_name(argv[++i]);
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else {
      std::printf("usage: kerno_conv_bench [--backend NAME] [--threads N] [--reps R]\n");
      return 2;
    }
  }
  if (!be || !be->conv2d_forward || kerno_set_num_threads(threads) != KERNO_OK) {
    std::printf("backend or thread count not available\n");
    return 1;
  }
  std::vector<fma_peak::Level> levels = fma_peak::levels();
  double peak = levels.empty() ? 1 : fma_peak::measure(levels.back(), threads);
  std::printf("kerno_conv_bench: backend %s, %d threads, FMA peak %.1f GFLOP/s (%s)\n", be->name, threads, peak,
              levels.empty() ? "unknown" : levels.back().isa);
  for (int64_t B : {32, 128})
    for (const Shape& s : kShapes) run_shape(be, s, B, reps, peak);
  return 0;
}
