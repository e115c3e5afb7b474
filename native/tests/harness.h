// A small test harness for the native test executable (runs without Node, e.g. on GPU machines).
// Tests register themselves with KERNO_TEST; checks record failures with a message and go on.
// The executable prints one line per failure and ends with "N passed, N failed".
#ifndef KERNO_TESTS_HARNESS_H
#define KERNO_TESTS_HARNESS_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kerno/kernels.h"

namespace kt {

using TestFn = void (*)();
int register_test(const char* name, TestFn fn);

// Records a failure of the current test (printf-style message).
void fail(const char* file, int line, const char* fmt, ...);
// Failures recorded so far in the current test.
int current_failures();

// Backends to test: every registered backend, or only those named by --backend.
std::vector<const kerno_backend*> backends();
// Skips the rest of the current test with a reason (counted as skipped, not passed).
void skip(const char* reason);

// Deterministic data for tests.
std::vector<float> random_vector(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f);

// Compares got[i] with want[i] (double) using |got - want| <= atol + rtol·|want|.
// On failure records the worst element and returns false.
bool all_close(const char* file, int line, const char* what, const float* got, const double* want,
               size_t n, double atol, double rtol);

// Central finite differences of f(x) = Σ out(x)·r with respect to x, in double:
// grad[i] = (f(x + h e_i) - f(x - h e_i)) / 2h. `eval` computes Σ out·r for the current x.
std::vector<double> finite_diff(std::vector<double>& x, double h, const std::function<double()>& eval);

}  // namespace kt

#define KT_CAT2(a, b) a##b
#define KT_CAT(a, b) KT_CAT2(a, b)
#define KERNO_TEST(name)                                                     \
  static void name();                                                        \
  static int KT_CAT(kt_reg_, name) = ::kt::register_test(#name, name);       \
  static void name()

#define KT_CHECK(cond, ...)                                   \
  do {                                                        \
    if (!(cond)) ::kt::fail(__FILE__, __LINE__, __VA_ARGS__); \
  } while (0)

#define KT_CHECK_OK(expr)                                                                      \
  do {                                                                                         \
    kerno_status kt_s_ = (expr);                                                               \
    if (kt_s_ != KERNO_OK) ::kt::fail(__FILE__, __LINE__, "%s returned %s", #expr,             \
                                      kerno_status_string(kt_s_));                             \
  } while (0)

#define KT_ALL_CLOSE(what, got, want, n, atol, rtol) \
  ::kt::all_close(__FILE__, __LINE__, what, got, want, n, atol, rtol)

#endif
