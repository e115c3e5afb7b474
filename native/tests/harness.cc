#include "harness.h"

#include "cuda_staged.h"

#include <cstdarg>
#include <cstring>

namespace kt {
namespace {

struct Registered {
  const char* name;
  TestFn fn;
};

std::vector<Registered>& tests() {
  static std::vector<Registered> t;
  return t;
}

int g_failures = 0;
bool g_skipped = false;
const int kMaxPrintedFailures = 20;
std::vector<std::string> g_backend_filter;

}  // namespace

int register_test(const char* name, TestFn fn) {
  tests().push_back({name, fn});
  return static_cast<int>(tests().size());
}

void fail(const char* file, int line, const char* fmt, ...) {
  ++g_failures;
  if (g_failures > kMaxPrintedFailures) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  const char* base = std::strrchr(file, '/');
  std::printf("    %s:%d: %s\n", base ? base + 1 : file, line, msg);
}

int current_failures() { return g_failures; }

void skip(const char* reason) {
  g_skipped = true;
  std::printf("    skipped: %s\n", reason);
}

std::vector<const kerno_backend*> backends() {
  std::vector<const kerno_backend*> out;
  int n = kerno_backend_count();
  for (int i = 0; i < n; ++i) {
    const kerno_backend* b = kerno_backend_at(i);
    if (!b) continue;
    // A device backend takes device pointers and the tests pass host memory: they get its
    // host-pointer adapter, "staged-<name>" (cuda_staged.h). --backend accepts either name.
    const kerno_backend* t = b->mem_alloc ? staged_backend(b) : b;
    if (!t) continue;
    bool wanted = g_backend_filter.empty();
    for (const auto& name : g_backend_filter) wanted = wanted || name == b->name || name == t->name;
    if (wanted) out.push_back(t);
  }
  return out;
}

std::vector<float> random_vector(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

bool all_close(const char* file, int line, const char* what, const float* got, const double* want,
               size_t n, double atol, double rtol) {
  size_t worst = 0;
  double worst_excess = 0;
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    double g = got[i], w = want[i];
    double tol = atol + rtol * std::fabs(w);
    double err = std::fabs(g - w);
    bool ok = err <= tol || (std::isnan(g) && std::isnan(w)) || (std::isinf(g) && g == w);
    if (!ok) {
      double excess = std::isnan(err) ? 1e300 : err - tol;
      if (bad == 0 || excess > worst_excess) {
        worst = i;
        worst_excess = excess;
      }
      ++bad;
    }
  }
  if (bad) {
    fail(file, line, "%s: %zu of %zu elements differ; worst [%zu] got %.9g want %.9g (atol %g rtol %g)", what,
         bad, n, worst, static_cast<double>(got[worst]), want[worst], atol, rtol);
  }
  return bad == 0;
}

std::vector<double> finite_diff(std::vector<double>& x, double h, const std::function<double()>& eval) {
  std::vector<double> g(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    double keep = x[i];
    x[i] = keep + h;
    double fp = eval();
    x[i] = keep - h;
    double fm = eval();
    x[i] = keep;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

// Entry point: kerno_tests [--filter SUBSTR]... [--backend NAME]... [--list]
int run_all(int argc, char** argv) {
  std::vector<std::string> filters;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--filter" && i + 1 < argc) filters.push_back(argv[++i]);
    else if (a == "--backend" && i + 1 < argc) g_backend_filter.push_back(argv[++i]);
    else if (a == "--list") list = true;
    else {
      std::printf("usage: kerno_tests [--filter SUBSTR]... [--backend NAME]... [--list]\n");
      return 2;
    }
  }
  std::printf("kerno native tests; backends:");
  for (int i = 0; i < kerno_backend_count(); ++i) std::printf(" %s", kerno_backend_at(i)->name);
  kerno_cpu_features f = kerno_cpu_detect();
  std::printf("; cpu avx2_fma=%d avx512f=%d cores=%d threads=%d; cuda built=%d devices=%d\n", f.avx2_fma,
              f.avx512f, f.physical_cores, kerno_get_num_threads(), kerno_cuda_built(),
              kerno_cuda_device_count());
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& t : tests()) {
    bool wanted = filters.empty();
    for (const auto& f : filters) wanted = wanted || std::strstr(t.name, f.c_str()) != nullptr;
    if (!wanted) continue;
    if (list) {
      std::printf("%s\n", t.name);
      continue;
    }
    g_failures = 0;
    g_skipped = false;
    std::printf("[ RUN  ] %s\n", t.name);
    std::fflush(stdout);
    t.fn();
    if (g_failures) {
      ++failed;
      std::printf("[ FAIL ] %s (%d failed checks)\n", t.name, g_failures);
    } else if (g_skipped) {
      ++skipped;
      std::printf("[ SKIP ] %s\n", t.name);
    } else {
      ++passed;
      std::printf("[  OK  ] %s\n", t.name);
    }
    std::fflush(stdout);
  }
  if (list) return 0;
  // The closing line is read by scripts/test.mjs and by CI; keep its format.
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}

}  // namespace kt

int main(int argc, char** argv) { return kt::run_all(argc, argv); }
