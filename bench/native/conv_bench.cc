// kerno_conv_bench: GFLOP/s of the CPU Conv2D kernels (forward, backward-data, backward-filter
// and their sum) on the reference CNN's conv layers, as a fraction of the FMA peak measured in
// the same run (fma_peak.h), plus the im2col scratch each shape needs. Then the reference CNN's
// inference chain op by op (conv + fused ReLU on both forward paths, max pooling), the ops
// taking turns within each repetition so that load from other jobs hits them alike. Plain C++
// (no Node).
//
// Usage: kerno_conv_bench [--backend NAME] [--threads N] [--reps R] [--cpu-time] [--paths]
//   --backend  a backend table name (default: kerno_backend_cpu(), the one kerno would use)
//   --threads  worker threads (default: physical cores)
//   --reps     timed repetitions per kernel (default 20); the median is reported
//   --cpu-time the inference chain on the calling thread's CPU time, not wall time: with
//              --threads 1, a measure of the kernels that time slices lost to other jobs on a
//              shared machine do not inflate
//   --paths    only the forward paths compared over a range of shapes
// B = batch, H, W = input spatial, C = input channels, K = filters, P = B·OH·OW, D = KH·KW·C;
// each kernel costs 2·P·D·K flops.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
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

bool g_cpu_time = false;  // --cpu-time

// Seconds of CPU time of the calling thread.
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
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

// Median and minimum of one call of each op over reps rounds, the ops called in turn each round.
struct Op {
  const char* name;
  double flops;
  std::function<kerno_status()> fn;
};
void run_turns(std::vector<Op>& ops, int reps, double peak, int64_t B, bool total = false) {
  std::vector<std::vector<double>> t(ops.size());
  for (int r = -1; r < reps; ++r)
    for (size_t i = 0; i < ops.size(); ++i) {
      double t0 = g_cpu_time ? thread_cpu_s() : now_s();
      if (ops[i].fn() != KERNO_OK) {
        std::printf("  %s failed\n", ops[i].name);
        return;
      }
      if (r >= 0) t[i].push_back((g_cpu_time ? thread_cpu_s() : now_s()) - t0);  // round -1 warms up
    }
  for (size_t i = 0; i < ops.size(); ++i) {
    std::sort(t[i].begin(), t[i].end());
    double med = t[i][t[i].size() / 2], mn = t[i][0];
    std::printf("  B=%-4lld %-44s median %7.3f ms  min %7.3f ms", static_cast<long long>(B), ops[i].name, med * 1e3, mn * 1e3);
    if (ops[i].flops > 0) std::printf("  %6.1f GFLOP/s %5.1f%% of peak", ops[i].flops / med / 1e9, 100 * ops[i].flops / med / 1e9 / peak);
    std::printf("\n");
  }
  if (!total) return;
  double sum = 0;
  for (auto& v : t) sum += v[v.size() / 2];
  std::printf("  B=%-4lld %-44s median %7.3f ms  (sum of the medians: %.0f samples/s)\n", static_cast<long long>(B),
              "step total", sum * 1e3, static_cast<double>(B) / sum);
}

// The reference CNN's 2×2, stride-2 max pooling (valid padding) over an H×H×C map.
kerno_conv2d_params pool2x2(int64_t B, int64_t H, int64_t C) {
  kerno_conv2d_params p{};
  p.B = B, p.H = p.W = H, p.C = p.K = C, p.KH = p.KW = p.stride_h = p.stride_w = 2, p.OH = p.OW = H / 2;
  p.dilation_h = p.dilation_w = 1;
  return p;
}

// One training step of the reference CNN at batch B, kernel by kernel as the layers call them
// (activations fused or in place as src/layers/activations.ts runs them in training; each max
// pooling's backward writes the gradient at its producer's ReLU input, max_pool2d_relu_backward,
// as MaxPooling2D.backwardFused does; the other input gradients zeroed as the engine does, the
// parameter gradients by Adam itself; Dense layers and the Adam
// update included): the floor under bench/train's samples/s that the kernels alone set.
void run_training_step(const kerno_backend* be, int64_t B, int reps, double peak) {
  kerno_conv2d_params c1 = params(kShapes[0], B), c2 = params(kShapes[1], B);
  c1.act = c2.act = {KERNO_ACT_RELU, 0.f};
  kerno_conv2d_params p1 = pool2x2(B, 26, 32), p2 = pool2x2(B, 11, 64);
  auto buf = [](int64_t n, float v = 0.01f) { return std::vector<float>(static_cast<size_t>(n), v); };
  const int64_t n1 = B * 26 * 26 * 32, m1 = B * 13 * 13 * 32, n2 = B * 11 * 11 * 64, m2 = B * 1600;
  std::vector<float> x = buf(B * 784, 0.5f), k1 = buf(288), b1 = buf(32), y1 = buf(n1), z1 = buf(m1);
  std::vector<float> k2 = buf(9 * 32 * 64), b2 = buf(64), y2 = buf(n2), z2 = buf(m2), k3 = buf(1600 * 128), b3 = buf(128);
  std::vector<float> h3 = buf(B * 128), k4 = buf(1280), b4 = buf(10), h4 = buf(B * 10);
  std::vector<float> dz2 = buf(m2), dy2 = buf(n2), dz1 = buf(m1), dy1 = buf(n1);
  std::vector<float> dh3 = buf(B * 128), dh4 = buf(B * 10), grads = buf(320 + 18496 + 204928 + 1290);
  std::vector<float> params_ = buf(grads.size()), m = buf(grads.size()), v = buf(grads.size());
  float *dk1 = grads.data(), *db1 = dk1 + 288, *dk2 = db1 + 32, *db2 = dk2 + 18432, *dk3 = db2 + 64, *db3 = dk3 + 204800;
  float *dk4 = db3 + 128, *db4 = dk4 + 1280;
  const kerno_activation_params relu{KERNO_ACT_RELU, 0.f};
  kerno_optimizer_params adam{};
  adam.kind = KERNO_OPT_ADAM, adam.learning_rate = 1e-3f, adam.beta_1 = 0.9f, adam.beta_2 = 0.999f, adam.epsilon = 1e-7f;
  adam.step = 1;
  adam.zero_grad = 1;  // as the engine asks: no separate pass over the parameter gradients
  auto zero = [](std::vector<float>& a) {
    std::fill(a.begin(), a.end(), 0.f);
    return KERNO_OK;
  };
  const int64_t G = static_cast<int64_t>(grads.size());
  const double f1 = 2.0 * static_cast<double>(B * 26 * 26) * 9 * 32, f2 = 2.0 * static_cast<double>(B * 11 * 11) * 9 * 32 * 64;
  std::vector<Op> ops = {
      {"conv1 + relu", f1, [&] { return be->conv2d_forward(y1.data(), x.data(), k1.data(), b1.data(), &c1); }},
      {"maxpool1", 0, [&] { return be->max_pool2d_forward(z1.data(), y1.data(), &p1); }},
      {"conv2 + relu", f2, [&] { return be->conv2d_forward(y2.data(), z1.data(), k2.data(), b2.data(), &c2); }},
      {"maxpool2", 0, [&] { return be->max_pool2d_forward(z2.data(), y2.data(), &p2); }},
      {"dense 1600->128 + relu (in place)", 2.0 * static_cast<double>(B) * 1600 * 128, [&] {
         kerno_status s = be->dense_forward(h3.data(), z2.data(), k3.data(), b3.data(), B, 1600, 128);
         return s != KERNO_OK ? s : be->activation_forward(h3.data(), h3.data(), B * 128, &relu);
       }},
      {"dense 128->10", 0, [&] { return be->dense_forward(h4.data(), h3.data(), k4.data(), b4.data(), B, 128, 10); }},
      // dy1 and dy2 are written whole by the fused pool + ReLU backward
      {"zero input gradients (engine)", 0, [&] { zero(dz2), zero(dz1), zero(dh3); return KERNO_OK; }},
      {"dense 128->10 backward", 0, [&] { return be->dense_backward(dh3.data(), dk4, db4, dh4.data(), h3.data(), k4.data(), B, 128, 10); }},
      {"dense 1600->128 backward", 4.0 * static_cast<double>(B) * 1600 * 128, [&] {
         return be->dense_backward(dz2.data(), dk3, db3, dh3.data(), z2.data(), k3.data(), B, 1600, 128);
       }},
      {"maxpool2 + relu2 backward (fused)", 0, [&] { return be->max_pool2d_relu_backward(dy2.data(), dz2.data(), y2.data(), &p2); }},
      {"conv2 backward-data", f2, [&] { return be->conv2d_backward_data(dz1.data(), dy2.data(), k2.data(), &c2); }},
      {"conv2 backward-filter", f2, [&] { return be->conv2d_backward_filter(dk2, db2, dy2.data(), z1.data(), &c2); }},
      {"maxpool1 + relu1 backward (fused)", 0, [&] { return be->max_pool2d_relu_backward(dy1.data(), dz1.data(), y1.data(), &p1); }},
      {"conv1 backward-filter", f1, [&] { return be->conv2d_backward_filter(dk1, db1, dy1.data(), x.data(), &c1); }},
      {"adam update", 0, [&] { return be->optimizer_update(params_.data(), grads.data(), m.data(), v.data(), nullptr, G, &adam); }},
  };
  run_turns(ops, reps, peak, B, true);
}

// An op that runs `call` with conv2d forced onto `path` (conv2d_set_path), then back to auto.
template <class F>
std::function<kerno_status()> on_path(int path, F call) {
  return [path, call] {
    kerno::conv2d_set_path(path);
    kerno_status s = call();
    kerno::conv2d_set_path(kerno::kConv2dPathAuto);
    return s;
  };
}

// The reference CNN's inference up to the flatten: Conv2D 32 3×3 + ReLU, MaxPool 2, Conv2D 64
// 3×3 + ReLU, MaxPool 2; conv2 on each of its forward paths.
void run_inference_chain(const kerno_backend* be, int64_t B, int reps, double peak) {
  kerno_conv2d_params c1 = params(kShapes[0], B), c2 = params(kShapes[1], B);
  c1.act = c2.act = {KERNO_ACT_RELU, 0.f};
  kerno_conv2d_params p1 = pool2x2(B, 26, 32), p2 = pool2x2(B, 11, 64);
  std::vector<float> x(static_cast<size_t>(B * 28 * 28)), k1(9 * 32), b1(32), y1(static_cast<size_t>(B * 26 * 26 * 32));
  std::vector<float> z1(static_cast<size_t>(B * 13 * 13 * 32)), k2(9 * 32 * 64), b2(64), y2(static_cast<size_t>(B * 11 * 11 * 64));
  std::vector<float> z2(static_cast<size_t>(B * 5 * 5 * 64));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i * 7919 % 1000) / 1000.f;
  for (size_t i = 0; i < k1.size(); ++i) k1[i] = static_cast<float>(i * 104729 % 1000) / 1000.f - 0.5f;
  for (size_t i = 0; i < k2.size(); ++i) k2[i] = static_cast<float>(i * 104729 % 1000) / 10000.f - 0.05f;
  const double f1 = 2.0 * static_cast<double>(B * 26 * 26) * 9 * 32, f2 = 2.0 * static_cast<double>(B * 11 * 11) * 9 * 32 * 64;
  auto conv2_on = [&](int path) {
    return on_path(path, [&] { return be->conv2d_forward(y2.data(), z1.data(), k2.data(), b2.data(), &c2); });
  };
  std::vector<Op> ops = {
      {"conv1 + relu", f1, [&] { return be->conv2d_forward(y1.data(), x.data(), k1.data(), b1.data(), &c1); }},
      {"maxpool 26x26x32 -> 13x13", 0, [&] { return be->max_pool2d_forward(z1.data(), y1.data(), &p1); }},
      {"conv2 + relu (chosen path)", f2, [&] { return be->conv2d_forward(y2.data(), z1.data(), k2.data(), b2.data(), &c2); }},
      {"conv2 + relu, im2col + GEMM", f2, conv2_on(kerno::kConv2dPathGemm)},
      {"conv2 + relu, direct", f2, conv2_on(kerno::kConv2dPathDirect)},
      {"conv2 + relu, Winograd F(2x2,3x3)", f2, conv2_on(kerno::kConv2dPathWinograd)},
      {"maxpool 11x11x64 -> 5x5", 0, [&] { return be->max_pool2d_forward(z2.data(), y2.data(), &p2); }},
      // training: the pools' backward (gradients accumulate into the conv outputs' buffers)
      {"maxpool 26x26x32 -> 13x13 backward", 0, [&] { return be->max_pool2d_backward(y1.data(), z1.data(), y1.data(), &p1); }},
      {"maxpool 11x11x64 -> 5x5 backward", 0, [&] { return be->max_pool2d_backward(y2.data(), z2.data(), y2.data(), &p2); }},
  };
  run_turns(ops, reps, peak, B);
}

// conv2d forward (bias + ReLU), backward-data and backward-filter on im2col + GEMM against the
// direct kernels and Winograd (3×3; where a shape does not fit it, the forced path falls back to
// im2col + GEMM), over shapes around the rules conv2d.cc uses to choose between them (--paths).
void run_paths(const kerno_backend* be, int reps, double peak) {
  struct P {
    int64_t B, H, C, K, k;
  };
  const P shapes[] = {{128, 13, 32, 64, 3},  {32, 13, 32, 64, 3},  {32, 28, 16, 32, 3}, {32, 14, 32, 32, 3},
                      {32, 14, 64, 64, 3},   {16, 14, 64, 128, 3}, {8, 14, 128, 128, 3}, {8, 7, 256, 256, 3},
                      {32, 13, 32, 8, 3},    {32, 13, 32, 24, 3},  {32, 16, 8, 32, 5},  {32, 12, 3, 64, 7}};
  for (const P& q : shapes) {
    Shape s{"", q.H, q.H, q.C, q.K, q.k, q.k};
    kerno_conv2d_params p = params(s, q.B);
    p.act = {KERNO_ACT_RELU, 0.f};
    std::vector<float> x(static_cast<size_t>(q.B * q.H * q.H * q.C), 0.5f), w(static_cast<size_t>(q.k * q.k * q.C * q.K), 0.01f);
    std::vector<float> b(static_cast<size_t>(q.K), 0.1f), y(static_cast<size_t>(q.B * p.OH * p.OW * q.K));
    const double flops = 2.0 * static_cast<double>(q.B * p.OH * p.OW) * static_cast<double>(q.k * q.k * q.C * q.K);
    auto on = [&](int path) {
      return on_path(path, [&] { return be->conv2d_forward(y.data(), x.data(), w.data(), b.data(), &p); });
    };
    char gemm[96], direct[96];
    std::snprintf(gemm, sizeof gemm, "%lldx%lldx%lld->%lld %lldx%lld gemm", (long long)q.H, (long long)q.H, (long long)q.C,
                  (long long)q.K, (long long)q.k, (long long)q.k);
    std::snprintf(direct, sizeof direct, "%lldx%lldx%lld->%lld %lldx%lld direct", (long long)q.H, (long long)q.H,
                  (long long)q.C, (long long)q.K, (long long)q.k, (long long)q.k);
    std::vector<float> dy(y.size(), 0.01f), dx(x.size()), dw(w.size());
    auto back_on = [&](int path) {
      return on_path(path, [&] { return be->conv2d_backward_data(dx.data(), dy.data(), w.data(), &p); });
    };
    auto filter_on = [&](int path) {
      return on_path(path, [&] { return be->conv2d_backward_filter(dw.data(), nullptr, dy.data(), x.data(), &p); });
    };
    std::vector<Op> ops = {{gemm, flops, on(kerno::kConv2dPathGemm)},
                           {direct, flops, on(kerno::kConv2dPathDirect)},
                           {"  Winograd F(2x2,3x3) (3x3 only)", flops, on(kerno::kConv2dPathWinograd)},
                           {"  backward-data, gemm + col2im", flops, back_on(kerno::kConv2dPathGemm)},
                           {"  backward-data, direct (flipped kernel)", flops, back_on(kerno::kConv2dPathDirect)},
                           {"  backward-data, Winograd (3x3 only)", flops, back_on(kerno::kConv2dPathWinograd)},
                           {"  backward-filter, im2col + GEMM", flops, filter_on(kerno::kConv2dPathGemm)},
                           {"  backward-filter, Winograd (3x3 only)", flops, filter_on(kerno::kConv2dPathWinograd)}};
    run_turns(ops, reps, peak, q.B);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const kerno_backend* be = kerno_backend_cpu();
  int threads = kerno_get_num_threads(), reps = 20;
  bool paths = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--backend") && i + 1 < argc) be = kerno_backend_by_name(argv[++i]);
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--cpu-time")) g_cpu_time = true;
    else if (!std::strcmp(argv[i], "--paths")) paths = true;
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
  if (paths) {
    std::printf("conv2d forward + ReLU and backward passes, im2col + GEMM vs direct vs Winograd (%s):\n", g_cpu_time ? "calling thread's CPU time" : "wall time");
    run_paths(be, reps, peak);
    return 0;
  }
  for (int64_t B : {32, 128})
    for (const Shape& s : kShapes) run_shape(be, s, B, reps, peak);
  std::printf("reference CNN inference chain (ops in turn per round, %s):\n",
              g_cpu_time ? "calling thread's CPU time" : "wall time");
  for (int64_t B : {32, 128}) run_inference_chain(be, B, reps, peak);
  std::printf("reference CNN training step, kernels only (%s):\n", g_cpu_time ? "calling thread's CPU time" : "wall time");
  run_training_step(be, 32, reps, peak);
  return 0;
}
