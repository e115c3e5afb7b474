// GEMM tests: every host backend in the table against a float64 reference, over the four transpose
// combinations, ragged sizes, padded leading dimensions, alpha/beta cases and degenerate sizes;
// thread-count invariance; parameter validation.
// M, N, K: C is (M,N), op(A) is (M,K), op(B) is (K,N).
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "harness.h"

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kSentinel = 12345.f;  // fills C's padding columns, which must never change

size_t at(int64_t i) { return static_cast<size_t>(i); }

// Device backends take device pointers; these tests pass host memory.
bool is_host(const kerno_backend* be) { return std::strncmp(be->name, "cuda", 4) != 0; }

struct Case {
  int64_t M, N, K;
  int trans_a, trans_b;
  float alpha, beta;
};

// One problem in memory: A, B, C with padded leading dimensions. The padding of A and B holds NaN
// so that reading it poisons the result; the padding of C holds a sentinel that must survive.
// Data start one float past the allocation so no pointer is 64-byte aligned.
struct Problem {
  Case c;
  int64_t lda, ldb, ldc;
  std::vector<float> a, b, c0;  // c0: C before the call
  const float* A() const { return a.data() + 1; }
  const float* B() const { return b.data() + 1; }
  kerno_gemm_params params() const {
    return {c.trans_a, c.trans_b, c.M, c.N, c.K, lda, ldb, ldc, c.alpha, c.beta};
  }
};

// Fills a (rows, cols) matrix with leading dimension ld from `vals`, padding with `pad`.
std::vector<float> padded(int64_t rows, int64_t cols, int64_t ld, const std::vector<float>& vals, float pad) {
  std::vector<float> m(static_cast<size_t>(rows * ld + 1), pad);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t q = 0; q < cols; ++q) m[at(1 + r * ld + q)] = vals[at(r * cols + q)];
  return m;
}

Problem make_problem(const Case& c, uint32_t seed) {
  Problem p;
  p.c = c;
  int64_t a_rows = c.trans_a ? c.K : c.M, a_cols = c.trans_a ? c.M : c.K;
  int64_t b_rows = c.trans_b ? c.N : c.K, b_cols = c.trans_b ? c.K : c.N;
  p.lda = a_cols + 3;
  p.ldb = b_cols + 5;
  p.ldc = c.N + 7;
  p.a = padded(a_rows, a_cols, p.lda, kt::random_vector(at(a_rows * a_cols), seed), kNaN);
  p.b = padded(b_rows, b_cols, p.ldb, kt::random_vector(at(b_rows * b_cols), seed + 1), kNaN);
  // beta == 0 must ignore C entirely, NaNs included.
  std::vector<float> cv = c.beta == 0.f ? std::vector<float>(static_cast<size_t>(c.M * c.N), kNaN)
                                        : kt::random_vector(static_cast<size_t>(c.M * c.N), seed + 2);
  p.c0 = padded(c.M, c.N, p.ldc, cv, kSentinel);
  return p;
}

// The float64 reference, and the tolerance for comparing a float32 result with it.
// Bound: any summation order of a K-term dot product in float32 (with or without FMA) is within
// γ_K·Σ|a_k·b_k| of the exact value, γ_K ≈ K·u, u = 2⁻²⁴ (Higham, Accuracy and Stability of
// Numerical Algorithms, §3.1); scaling by alpha and adding beta·c cost a few more roundings. So
// atol = (K + 4)·u·max_ij(|alpha|·Σ_k|a_ik·b_kj| + |beta·c_ij|), a proven bound rather than a
// guess, which grows with K as the error does. Inputs in [-1,1] keep it small enough (≈0.015 at
// K=1000 against values of magnitude ≈10) that a dropped K block, row, tile or scale is caught.
struct Reference {
  std::vector<double> want;  // (M,N), dense
  double atol = 0;
};

Reference reference(const Problem& p) {
  const Case& c = p.c;
  Reference r;
  r.want.resize(static_cast<size_t>(c.M * c.N));
  double worst = 0;
  for (int64_t i = 0; i < c.M; ++i)
    for (int64_t j = 0; j < c.N; ++j) {
      double acc = 0, mag = 0;
      for (int64_t k = 0; k < c.K; ++k) {
        double a = c.trans_a ? p.A()[k * p.lda + i] : p.A()[i * p.lda + k];
        double b = c.trans_b ? p.B()[j * p.ldb + k] : p.B()[k * p.ldb + j];
        acc += a * b;
        mag += std::fabs(a * b);
      }
      double c0 = c.beta == 0.f ? 0.0 : p.c0[static_cast<size_t>(1 + i * p.ldc + j)];
      r.want[static_cast<size_t>(i * c.N + j)] = c.alpha * acc + c.beta * c0;
      worst = std::max(worst, std::fabs(c.alpha) * mag + std::fabs(c.beta * c0));
    }
  r.atol = (static_cast<double>(c.K) + 4) * std::ldexp(1.0, -24) * worst + 1e-30;
  return r;
}

std::string describe(const kerno_backend* be, const Case& c) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%s M=%lld N=%lld K=%lld tA=%d tB=%d alpha=%g beta=%g", be->name,
                static_cast<long long>(c.M), static_cast<long long>(c.N), static_cast<long long>(c.K),
                c.trans_a, c.trans_b, c.alpha, c.beta);
  return buf;
}

// Runs one backend on the problem and checks the result and the untouched padding.
void check_backend(const kerno_backend* be, const Problem& p, const Reference& ref) {
  const Case& c = p.c;
  std::string what = describe(be, c);
  std::vector<float> C = p.c0;
  kerno_gemm_params prm = p.params();
  kerno_status s = be->gemm(C.data() + 1, p.A(), p.B(), &prm);
  KT_CHECK(s == KERNO_OK, "%s: returned %s", what.c_str(), kerno_status_string(s));
  std::vector<float> got(static_cast<size_t>(c.M * c.N));
  bool pad_ok = true;
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < c.N; ++j) got[at(i * c.N + j)] = C[at(1 + i * p.ldc + j)];
    for (int64_t j = c.N; j < p.ldc; ++j) pad_ok = pad_ok && C[at(1 + i * p.ldc + j)] == kSentinel;
  }
  KT_CHECK(pad_ok, "%s: wrote into C's padding columns", what.c_str());
  KT_ALL_CLOSE(what.c_str(), got.data(), ref.want.data(), got.size(), ref.atol, 0.0);
}

// Sizes from {1, 7, 33, 255, 1000}: every size appears in each role, both sides of the
// packing/direct thresholds are reached (tiny M with wide N, tall M with narrow N), K = 1000
// spans several KC blocks and 255/1000 rows several MC blocks and both thread splits.
const int64_t kShapes[][3] = {  // M, N, K
    {1, 1, 1},     {7, 7, 7},      {33, 33, 33},   {1, 255, 33},  {255, 1, 33},   {7, 1000, 33},
    {1000, 7, 33}, {33, 7, 1000},  {7, 33, 255},   {255, 255, 255}, {33, 255, 1000}, {1000, 33, 255},
    {255, 1000, 7}, {1000, 255, 1}, {1, 1, 1000},
};
const float kAlphaBeta[][2] = {{1.f, 0.f}, {0.5f, 1.f}, {-2.f, 0.3f}};

}  // namespace

KERNO_TEST(gemm_matches_float64_reference) {
  uint32_t seed = 1;
  for (const auto& sh : kShapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (const auto& ab : kAlphaBeta) {
          // The largest shapes run one alpha/beta case each (rotating) to bound the run time.
          bool big = sh[0] * sh[1] * sh[2] > 2'000'000;
          if (big && &ab - kAlphaBeta != (ta * 2 + tb) % 3) continue;
          Problem p = make_problem({sh[0], sh[1], sh[2], ta, tb, ab[0], ab[1]}, seed++);
          Reference ref = reference(p);
          for (const kerno_backend* be : kt::backends())
            if (is_host(be)) check_backend(be, p, ref);
        }
}

// K·N above the packed-B budget (2^24 floats in gemm_driver.h), so the driver runs the call as
// several column chunks; M = 2 keeps the reference cheap.
KERNO_TEST(gemm_column_chunks) {
  for (int tb = 0; tb < 2; ++tb) {
    Problem p = make_problem({2, 4100, 4100, 0, tb, 1.f, 0.5f}, 77 + tb);
    Reference ref = reference(p);
    for (const kerno_backend* be : kt::backends())
      if (is_host(be)) check_backend(be, p, ref);
  }
}

// K = 0: C = beta·C, and A and B are not needed (NULL is accepted).
KERNO_TEST(gemm_k_zero_scales_c) {
  for (const kerno_backend* be : kt::backends()) {
    if (!is_host(be)) continue;
    for (float beta : {0.f, 0.3f, 1.f}) {
      Problem p = make_problem({7, 33, 0, 0, 0, 1.f, beta}, 5);
      std::vector<float> C = p.c0;
      kerno_gemm_params prm = p.params();
      prm.lda = prm.ldb = 1;
      KT_CHECK_OK(be->gemm(C.data() + 1, nullptr, nullptr, &prm));
      bool ok = true;
      for (int64_t i = 0; i < 7; ++i)
        for (int64_t j = 0; j < p.ldc; ++j) {
          size_t at = static_cast<size_t>(1 + i * p.ldc + j);
          float want = j < 33 ? (beta == 0.f ? 0.f : beta * p.c0[at]) : kSentinel;
          ok = ok && C[at] == want;
        }
      KT_CHECK(ok, "%s: K=0 beta=%g did not give C = beta*C", be->name, beta);
    }
  }
}

// M = 0 or N = 0: nothing to do, C untouched, even NULL pointers accepted.
KERNO_TEST(gemm_empty_is_noop) {
  for (const kerno_backend* be : kt::backends()) {
    if (!is_host(be)) continue;
    float c = kSentinel, a = 1.f, b = 1.f;
    kerno_gemm_params m0{0, 0, 0, 5, 3, 3, 5, 5, 1.f, 0.f};
    kerno_gemm_params n0{0, 0, 5, 0, 3, 3, 1, 1, 1.f, 0.f};
    KT_CHECK_OK(be->gemm(&c, &a, &b, &m0));
    KT_CHECK_OK(be->gemm(&c, &a, &b, &n0));
    KT_CHECK_OK(be->gemm(nullptr, nullptr, nullptr, &m0));
    KT_CHECK(c == kSentinel, "%s: M=0/N=0 wrote to C", be->name);
  }
}

// The result must not depend on the thread count: threads own disjoint tiles aligned to the
// micro-kernel grid and every element is summed in the same order, so equality is exact.
// (The reference backend is single-threaded and skipped.)
KERNO_TEST(gemm_thread_count_invariant) {
  const int64_t shapes[][3] = {
      {255, 255, 255}, {33, 1000, 255}, {1000, 33, 255}, {150, 700, 300}, {31, 40, 600}};
  int saved = kerno_get_num_threads();
  for (const auto& sh : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        Problem p = make_problem({sh[0], sh[1], sh[2], ta, tb, 0.5f, 0.3f}, 99);
        for (const kerno_backend* be : kt::backends()) {
          if (!is_host(be) || std::strcmp(be->name, "reference") == 0) continue;
          std::vector<float> one;
          for (int threads : {1, 2, 3}) {
            KT_CHECK_OK(kerno_set_num_threads(threads));
            std::vector<float> C = p.c0;
            kerno_gemm_params prm = p.params();
            KT_CHECK_OK(be->gemm(C.data() + 1, p.A(), p.B(), &prm));
            if (threads == 1) one = C;
            else
              KT_CHECK(std::memcmp(one.data(), C.data(), C.size() * sizeof(float)) == 0,
                       "%s: %d threads differ from 1 thread", describe(be, p.c).c_str(), threads);
          }
        }
      }
  KT_CHECK_OK(kerno_set_num_threads(saved));
}

// A one-row product (a batch-1 Dense layer) takes its own path through the micro-kernels (four
// panels at a time where a level has one), but must sum every element as a taller product sums
// that row: each row of a 7-row product equals, bit for bit, the product of that row alone.
KERNO_TEST(gemm_one_row_matches_its_row_of_a_taller_product) {
  const int64_t shapes[][2] = {{784, 256}, {37, 200}, {600, 64}, {5, 130}, {300, 17}};  // K, N
  for (const auto& sh : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.f, 0.3f}) {
          Problem p = make_problem({7, sh[1], sh[0], ta, tb, 0.5f, beta}, 123);
          for (const kerno_backend* be : kt::backends()) {
            if (!is_host(be)) continue;
            std::vector<float> tall = p.c0, rows = p.c0;
            kerno_gemm_params prm = p.params();
            KT_CHECK_OK(be->gemm(tall.data() + 1, p.A(), p.B(), &prm));
            kerno_gemm_params one = prm;
            one.M = 1;
            for (int64_t r = 0; r < 7; ++r) {
              const float* a = p.A() + (ta ? r : r * p.lda);  // row r of op(A)
              KT_CHECK_OK(be->gemm(rows.data() + 1 + r * p.ldc, a, p.B(), &one));
            }
            KT_CHECK(std::memcmp(tall.data(), rows.data(), tall.size() * sizeof(float)) == 0,
                     "%s: one-row products differ from the 7-row product", describe(be, p.c).c_str());
          }
        }
}

KERNO_TEST(gemm_rejects_bad_parameters) {
  float a[64] = {}, b[64] = {}, c[64] = {};
  //                 tA tB  M  N  K lda ldb ldc alpha beta
  const kerno_gemm_params bad[] = {
      {0, 0, -1, 4, 4, 4, 4, 4, 1.f, 0.f},  // negative M
      {0, 0, 4, -1, 4, 4, 4, 4, 1.f, 0.f},  // negative N
      {0, 0, 4, 4, -1, 4, 4, 4, 1.f, 0.f},  // negative K
      {0, 0, 4, 5, 4, 4, 5, 4, 1.f, 0.f},   // ldc < N
      {0, 0, 4, 5, 6, 5, 5, 5, 1.f, 0.f},   // lda < K
      {1, 0, 6, 5, 4, 5, 5, 5, 1.f, 0.f},   // lda < M (A stored K×M)
      {0, 0, 4, 6, 5, 5, 5, 6, 1.f, 0.f},   // ldb < N
      {0, 1, 4, 5, 6, 6, 5, 5, 1.f, 0.f},   // ldb < K (B stored N×K)
  };
  for (const kerno_backend* be : kt::backends()) {
    for (const auto& prm : bad) {
      kerno_status s = be->gemm(c, a, b, &prm);
      auto ll = [](int64_t v) { return static_cast<long long>(v); };
      KT_CHECK(s == KERNO_ERR_INVALID_ARGUMENT, "%s: M=%lld N=%lld K=%lld lda=%lld ldb=%lld ldc=%lld gave %s",
               be->name, ll(prm.M), ll(prm.N), ll(prm.K), ll(prm.lda), ll(prm.ldb), ll(prm.ldc),
               kerno_status_string(s));
    }
    kerno_gemm_params ok{0, 0, 4, 4, 4, 4, 4, 4, 1.f, 0.f};
    KT_CHECK(be->gemm(c, a, b, nullptr) == KERNO_ERR_INVALID_ARGUMENT, "%s: NULL params accepted", be->name);
    KT_CHECK(be->gemm(nullptr, a, b, &ok) == KERNO_ERR_INVALID_ARGUMENT, "%s: NULL C accepted", be->name);
    KT_CHECK(be->gemm(c, nullptr, b, &ok) == KERNO_ERR_INVALID_ARGUMENT, "%s: NULL A accepted", be->name);
  }
}
