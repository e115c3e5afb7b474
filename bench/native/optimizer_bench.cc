// kerno_optimizer_bench: the fused optimizer update against the two floors that bound it on this
// machine. Plain C++ (no Node), so it also runs on GPU machines.
//
// An update touches every parameter once with a few flops, so the FMA peak says nothing about it.
// What bounds it:
// - memory: Adam reads w, g, m, v and writes w, m, v and the zeroed g (32 bytes a parameter). The
//   memory floor is a pass making exactly the same loads and stores with one add per stored value;
// - the divider: Adam, RMSprop and Adagrad take a square root and a division per parameter, both
//   exactly rounded as Keras's float32 arithmetic is (an approximate reciprocal would change the
//   results), and both run on the FP divider. The divider floor is N of those on data in L1.
// Both floors run through the same thread pool with the same split of the arrays, by turns with
// the update. An update at ~100% of the larger floor cannot be made faster without moving fewer
// bytes or rounding differently. The default size is the reference MLP's (784-256-128-10:
// 235,146 parameters, 6.6 MB of Adam state and gradients: past L2, inside L3).
//
// Usage: kerno_optimizer_bench [--threads N] [--params N] [--reps R]
//   --threads  the largest thread count (default: physical cores); runs 1 and N
//   --params   parameters per update (default 235146); "batch 1" cases need the MLP's size
//   --reps     timed calls per case (default 400); the median is reported
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kerno/kernels.h"
#include "runtime/threadpool.h"

namespace {

constexpr int64_t kMlpParams = 235146;
// The optimizer's own grain (native/cpu/optimizer.cc): the floor splits the arrays the same way.
constexpr int64_t kGrain = 1 << 14;

struct Case {
  const char* name;
  int32_t kind;
  float momentum;
  int slots;
  bool divides;  // a square root and a division per parameter
  bool batch1;  // the Dense gradients come as outer products (kerno_outer_grad): g untouched
  // Arrays of N floats read, and as many written: w, the slots, and g (read, then zeroed).
  int arrays() const { return 1 + slots + (batch1 ? 0 : 1); }
};

// Adam's slots m, v; SGD's one momentum slot; RMSprop's and Adagrad's one accumulator.
const Case kCases[] = {
    {"adam", KERNO_OPT_ADAM, 0.f, 2, true, false},
    {"adam, batch 1 (outer-product gradients)", KERNO_OPT_ADAM, 0.f, 2, true, true},
    {"sgd, momentum 0.9", KERNO_OPT_SGD, 0.9f, 1, false, false},
    {"rmsprop", KERNO_OPT_RMSPROP, 0.f, 1, true, false},
    {"adagrad", KERNO_OPT_ADAGRAD, 0.f, 1, true, false},
};

struct Arrays {
  std::vector<float> w, g, s0, s1;
  explicit Arrays(int64_t n) : w(n, 0.01f), g(n, 0.f), s0(n, 0.f), s1(n, 1e-6f) {}
};

// The floor's loops: the same loads and stores as an update, one add per stored value, with
// restrict pointers so they vectorise. They are compiled for AVX2 where the optimizer's own loops
// are (an SSE2 floor would be bound by instructions, not bytes, and sit above the update).
#if defined(__GNUC__) || defined(__clang__)
#define FLOOR_INLINE inline __attribute__((always_inline))
#else
#define FLOOR_INLINE inline
#endif

struct Span {
  float *w, *g, *s0, *s1;
  int64_t n;
};

// g == nullptr: the batch-1 traffic (g untouched); s1 == nullptr: one slot.
FLOOR_INLINE void stream(Span a) {
  float *__restrict w = a.w, *__restrict g = a.g, *__restrict s0 = a.s0, *__restrict s1 = a.s1;
  if (g && s1) {
    for (int64_t i = 0; i < a.n; ++i) {
      float gi = g[i], x = s0[i] + gi, y = s1[i] + gi;
      s0[i] = x;
      s1[i] = y;
      w[i] = w[i] + x;
      g[i] = 0.f;
    }
  } else if (g) {
    for (int64_t i = 0; i < a.n; ++i) {
      float x = s0[i] + g[i];
      s0[i] = x;
      w[i] = w[i] + x;
      g[i] = 0.f;
    }
  } else {
    for (int64_t i = 0; i < a.n; ++i) {
      float x = s0[i] + 1.f, y = s1[i] + 1.f;
      s0[i] = x;
      s1[i] = y;
      w[i] = w[i] + x;
    }
  }
}

// n square roots and divisions, kL1 at a time on the same few KiB so nothing waits on memory.
// Operands stay ordinary normal numbers (no zeros, infinities or denormals take a shortcut), and
// each pass shifts the numerators so that no pass repeats the one before.
constexpr int64_t kL1 = 1024;
struct DivideData {
  alignas(64) float num[kL1], den[kL1], out[kL1];
  DivideData() {
    for (int64_t i = 0; i < kL1; ++i) {
      num[i] = 1.f + static_cast<float>(i) / kL1;
      den[i] = 2.f + static_cast<float>(i) / kL1;
    }
  }
};

FLOOR_INLINE void divide(int64_t n) {
  static thread_local DivideData d;
  const float* __restrict num = d.num;
  const float* __restrict den = d.den;
  float* __restrict out = d.out;
  for (int64_t b = 0; b < n; b += kL1) {
    const int64_t len = std::min(kL1, n - b);
    const float shift = static_cast<float>(b & 1023) * 1e-6f;
    for (int64_t i = 0; i < len; ++i) out[i] = (num[i] + shift) / (std::sqrt(den[i]) + 1e-7f);
  }
}

struct Floors {
  void (*stream)(Span);
  void (*divide)(int64_t);
};

void stream_baseline(Span a) { stream(a); }
void divide_baseline(int64_t n) { divide(n); }
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2"))) void stream_avx2(Span a) { stream(a); }
__attribute__((target("avx2"))) void divide_avx2(int64_t n) { divide(n); }
Floors pick_floors() {
  if (kerno_cpu_detect().avx2_fma) return {stream_avx2, divide_avx2};
  return {stream_baseline, divide_baseline};
}
#else
Floors pick_floors() { return {stream_baseline, divide_baseline}; }
#endif
const Floors& floors() {
  static const Floors f = pick_floors();
  return f;
}

void divider_floor(int64_t n) {
  kerno::parallel_for(n, kGrain, [](int64_t b, int64_t e) { floors().divide(e - b); });
}

// An update's traffic for case `c`, split over the pool as the optimizer splits it. Array roles
// follow kernels.h (param, grad, slot0, slot1); the stores to g are zero_grad's zeroing.
void memory_floor(const Case& c, Arrays& a, int64_t n) {
  void (*const run)(Span) = floors().stream;
  float *w = a.w.data(), *g = c.batch1 ? nullptr : a.g.data(), *s0 = a.s0.data(), *s1 = c.slots == 2 ? a.s1.data() : nullptr;
  kerno::parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    run({w + b, g ? g + b : nullptr, s0 + b, s1 ? s1 + b : nullptr, e - b});
  });
}

// The reference MLP's Dense weights and biases at batch 1: kernel (rows, cols) = uᵀ·v, bias = v.
struct MlpOuter {
  std::vector<float> x1, d1, x2, d2, x3, d3;
  kerno_outer_grad groups[6];
  MlpOuter() : x1(784, 0.1f), d1(256, 0.01f), x2(256, 0.1f), d2(128, 0.01f), x3(128, 0.1f), d3(10, 0.01f) {
    groups[0] = {0, 784, 256, x1.data(), d1.data()};
    groups[1] = {200704, 1, 256, nullptr, d1.data()};
    groups[2] = {200960, 256, 128, x2.data(), d2.data()};
    groups[3] = {233728, 1, 128, nullptr, d2.data()};
    groups[4] = {233856, 128, 10, x3.data(), d3.data()};
    groups[5] = {235136, 1, 10, nullptr, d3.data()};
  }
};

double median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

template <class F>
double time_us(F&& f) {
  auto s = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count();
}

}  // namespace

int main(int argc, char** argv) {
  int max_threads = kerno_cpu_detect().physical_cores, reps = 400;
  int64_t n = kMlpParams;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) max_threads = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--params") == 0 && i + 1 < argc) n = std::atoll(argv[++i]);
    else if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: kerno_optimizer_bench [--threads N] [--params N] [--reps R]\n");
      return 2;
    }
  }
  if (max_threads < 1 || n < 1 || reps < 1) {
    std::fprintf(stderr, "kerno_optimizer_bench: --threads, --params and --reps must be positive\n");
    return 2;
  }
  const kerno_backend* be = kerno_backend_cpu();
  MlpOuter mlp;
  std::printf("%lld parameters, backend %s\n", static_cast<long long>(n), be->name);
  std::printf("%-42s %7s %10s %8s | %13s %8s | %14s | %s\n", "update", "threads", "median us", "GB/s",
              "memory floor", "GB/s", "divider floor", "update at % of the larger floor");
  for (int t = 1; t <= max_threads; t = t == 1 && max_threads > 1 ? max_threads : max_threads + 1) {
    kerno_set_num_threads(t);
    for (const Case& c : kCases) {
      if (c.batch1 && n != kMlpParams) continue;
      Arrays a(n);
      kerno_optimizer_params p;
      std::memset(&p, 0, sizeof p);
      p.kind = c.kind;
      p.learning_rate = 1e-3f;
      p.momentum = c.momentum;
      p.rho = 0.9f;
      p.beta_1 = 0.9f;
      p.beta_2 = 0.999f;
      p.epsilon = 1e-7f;
      p.step = 1;
      p.zero_grad = 1;
      if (c.batch1) {
        p.outer = mlp.groups;
        p.n_outer = 6;
      }
      std::vector<double> upd, mem, div;
      for (int r = 0; r < reps + reps / 10; ++r) {
        // Gradients as a backward pass leaves them (the update zeroes them again).
        if (!c.batch1) std::fill(a.g.begin(), a.g.end(), 1e-3f);
        double tu = time_us([&] {
          if (be->optimizer_update(a.w.data(), a.g.data(), a.s0.data(), a.s1.data(), nullptr, n, &p) != KERNO_OK) {
            std::fprintf(stderr, "kerno_optimizer_bench: %s failed\n", c.name);
            std::exit(1);
          }
        });
        if (!c.batch1) std::fill(a.g.begin(), a.g.end(), 1e-3f);
        double tm = time_us([&] { memory_floor(c, a, n); });
        double td = c.divides ? time_us([&] { divider_floor(n); }) : 0.0;
        ++p.step;
        if (r >= reps / 10) {  // the first tenth warms caches and the pool
          upd.push_back(tu);
          mem.push_back(tm);
          div.push_back(td);
        }
      }
      double mu = median(upd), mm = median(mem), md = median(div);
      double bytes = static_cast<double>(n) * 4.0 * 2 * c.arrays();
      char dcol[32] = "—";
      if (c.divides) std::snprintf(dcol, sizeof dcol, "%.1f us", md);
      std::printf("%-42s %7d %10.1f %8.1f | %10.1f us %8.1f | %14s | %.0f%%\n", c.name, t, mu, bytes / mu / 1e3, mm,
                  bytes / mm / 1e3, dcol, 100.0 * std::max(mm, md) / mu);
    }
  }
  return 0;
}
