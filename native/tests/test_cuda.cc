// Device-only tests of the CUDA backend, through its table with device pointers: the caching
// allocator, out-of-memory as a status, transfers, the 128-wide GEMM tiles and the TF32 mode
// against float64 bounds, the deferred status of device-side checks, and a device-resident
// training step against the CPU backend. Every kernel is also run on host data through the
// "staged-cuda" adapter by the other test files. Each test here skips with one line when no
// CUDA device is present (or CUDA is not built in).
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "harness.h"

namespace {

// The "cuda" table, or NULL after recording a skip.
const kerno_backend* cuda_or_skip() {
  if (!kerno_cuda_built()) {
    kt::skip("CUDA not built in");
    return nullptr;
  }
  if (kerno_cuda_device_count() == 0) {
    kt::skip("no CUDA device");
    return nullptr;
  }
  const kerno_backend* be = kerno_backend_by_name("cuda");
  if (!be) kt::skip("the CUDA device is older than compute capability 8.0");
  return be;
}

// A device buffer of n floats (plus `pad` leading floats so the data can start unaligned).
struct DevFloats {
  const kerno_backend* be;
  float* base = nullptr;
  size_t pad;
  DevFloats(const kerno_backend* b, size_t n, size_t pad_ = 0) : be(b), pad(pad_) {
    void* p = nullptr;
    KT_CHECK_OK(be->mem_alloc(&p, (n + pad) * sizeof(float)));
    base = static_cast<float*>(p);
  }
  ~DevFloats() { be->mem_free(base); }
  DevFloats(const DevFloats&) = delete;
  DevFloats& operator=(const DevFloats&) = delete;
  float* ptr() const { return base ? base + pad : nullptr; }
  void upload(const std::vector<float>& h) { KT_CHECK_OK(be->mem_upload(ptr(), h.data(), h.size() * sizeof(float))); }
  std::vector<float> download(size_t n) const {
    std::vector<float> h(n, NAN);
    KT_CHECK_OK(be->mem_download(h.data(), ptr(), n * sizeof(float)));
    return h;
  }
};

}  // namespace

// Without a usable device, "cuda" is not in the registry (runs on every machine).
KERNO_TEST(cuda_listed_only_with_a_device) {
  bool listed = false;
  for (int i = 0; i < kerno_backend_count(); ++i) listed = listed || std::strcmp(kerno_backend_at(i)->name, "cuda") == 0;
  if (kerno_cuda_device_count() == 0) {
    KT_CHECK(!listed && kerno_backend_by_name("cuda") == nullptr, "cuda listed without a device");
    return;
  }
  const kerno_backend* be = kerno_backend_by_name("cuda");
  if (!be) return;  // an old GPU: not listed, nothing more to check
  KT_CHECK(listed, "cuda found by name but not listed");
  // Every entry of the table is filled: the backend is complete.
  const void* const* fields = reinterpret_cast<const void* const*>(be);
  size_t n = sizeof(kerno_backend) / sizeof(void*);
  for (size_t i = 1; i < n; ++i) KT_CHECK(fields[i] != nullptr, "cuda table entry %zu is NULL", i);
}

KERNO_TEST(cuda_allocator_reuses_freed_blocks) {
  const kerno_backend* be = cuda_or_skip();
  if (!be) return;
  void *a = nullptr, *b = nullptr, *c = nullptr;
  KT_CHECK_OK(be->mem_alloc(&a, 3000));
  KT_CHECK_OK(be->mem_free(a));
  KT_CHECK_OK(be->mem_alloc(&b, 2900));  // same size class (3072 bytes): the cached block comes back
  KT_CHECK(a == b, "a freed block of the same size class was not reused (%p then %p)", a, b);
  KT_CHECK_OK(be->mem_alloc(&c, 3000));  // b is live: c must be another block
  KT_CHECK(c != b && c != nullptr, "a live block was handed out twice");
  KT_CHECK_OK(be->mem_free(b));
  KT_CHECK_OK(be->mem_free(c));
  void* z = &z;
  KT_CHECK_OK(be->mem_alloc(&z, 0));
  KT_CHECK(z == nullptr, "a zero-byte allocation did not give NULL");
  KT_CHECK_OK(be->mem_free(nullptr));
  KT_CHECK_OK(be->mem_alloc(&a, 4096));
  KT_CHECK(be->mem_free(static_cast<char*>(a) + 256) == KERNO_ERR_INVALID_ARGUMENT,
           "freeing a pointer inside a block was accepted");
  KT_CHECK(be->mem_free(&z) == KERNO_ERR_INVALID_ARGUMENT, "freeing a host pointer was accepted");
  KT_CHECK_OK(be->mem_free(a));
  KT_CHECK(be->mem_alloc(nullptr, 16) == KERNO_ERR_INVALID_ARGUMENT, "NULL out accepted");
}

// An impossible allocation is a status; the backend keeps working afterwards.
KERNO_TEST(cuda_out_of_memory_is_a_status) {
  const kerno_backend* be = cuda_or_skip();
  if (!be) return;
  for (size_t bytes : {size_t{1} << 50, ~size_t{0}, ~size_t{0} / 3}) {
    void* p = &p;
    kerno_status s = be->mem_alloc(&p, bytes);
    KT_CHECK(s == KERNO_ERR_OUT_OF_MEMORY && p == nullptr, "%zu bytes gave %s", bytes, kerno_status_string(s));
  }
  DevFloats x(be, 1000);
  std::vector<float> h = kt::random_vector(1000, 5);
  x.upload(h);
  KT_CHECK_OK(be->scale(x.ptr(), 1000, 2.f));
  std::vector<float> got = x.download(1000);
  bool ok = true;
  for (size_t i = 0; i < h.size(); ++i) ok = ok && got[i] == 2.f * h[i];
  KT_CHECK(ok, "the device did not work after an out-of-memory status");
  KT_CHECK_OK(be->synchronize());
}

KERNO_TEST(cuda_transfers_round_trip) {
  const kerno_backend* be = cuda_or_skip();
  if (!be) return;
  const size_t n = 100003;
  std::vector<float> h = kt::random_vector(n, 9);
  DevFloats a(be, n), b(be, n + 7);
  a.upload(h);
  KT_CHECK_OK(be->mem_copy(b.ptr() + 7, a.ptr(), n * sizeof(float)));
  KT_CHECK_OK(be->mem_zero(b.ptr(), 7 * sizeof(float)));
  KT_CHECK_OK(be->mem_zero(b.ptr() + 7 + 1000, 10 * sizeof(float)));
  std::vector<float> got = b.download(n + 7);
  bool ok = true;
  for (size_t i = 0; i < n + 7; ++i) {
    float want = i < 7 || (i >= 1007 && i < 1017) ? 0.f : h[i - 7];
    ok = ok && got[i] == want;
  }
  KT_CHECK(ok, "upload, copy, zero and download do not compose");
  float f = 1.f;
  const kerno_status bad = KERNO_ERR_INVALID_ARGUMENT;
  KT_CHECK(be->mem_upload(nullptr, &f, 4) == bad, "upload to NULL");
  KT_CHECK(be->mem_upload(a.ptr(), nullptr, 4) == bad, "upload from NULL");
  KT_CHECK(be->mem_download(nullptr, a.ptr(), 4) == bad, "download to NULL");
  KT_CHECK(be->mem_zero(nullptr, 4) == bad, "zero NULL");
  KT_CHECK(be->mem_copy(nullptr, a.ptr(), 4) == bad, "copy to NULL");
  KT_CHECK_OK(be->mem_upload(nullptr, nullptr, 0));
  KT_CHECK_OK(be->mem_download(nullptr, nullptr, 0));
}

namespace {

struct GemmCase {
  int64_t M, N, K;
  int ta, tb;
  float alpha, beta;
  size_t pad;  // leading floats before each matrix: 0 aligned (vector loads), 1 unaligned
};

// Runs one product on the device and checks it against float64 within
// atol = (rel_per_product + (K + 4)·2^-24) · max_ij (|alpha|·Σ_k|a·b| + |beta·c|):
// rel_per_product is 0 for FP32 and 2^-10 + 2^-21 for TF32 (each input rounded to 10 mantissa
// bits, |δ| ≤ 2^-11, so a product is off by at most 2·2^-11 + 2^-22 of itself).
// Returns the device result.
std::vector<float> check_gemm(const kerno_backend* be, const GemmCase& g, double rel_per_product, uint32_t seed) {
  const int64_t ar = g.ta ? g.K : g.M, ac = g.ta ? g.M : g.K, br = g.tb ? g.N : g.K, bc = g.tb ? g.K : g.N;
  const int64_t lda = ac + 3, ldb = bc + 1, ldc = g.N + 4;
  std::vector<float> A = kt::random_vector(ar * lda, seed), B = kt::random_vector(br * ldb, seed + 1),
                     C = kt::random_vector(g.M * ldc, seed + 2);
  DevFloats dA(be, A.size(), g.pad), dB(be, B.size(), g.pad), dC(be, C.size(), g.pad);
  dA.upload(A);
  dB.upload(B);
  dC.upload(C);
  kerno_gemm_params p{g.ta, g.tb, g.M, g.N, g.K, lda, ldb, ldc, g.alpha, g.beta};
  KT_CHECK_OK(be->gemm(dC.ptr(), dA.ptr(), dB.ptr(), &p));
  std::vector<float> got = dC.download(C.size());
  std::vector<float> got_mn(g.M * g.N);
  std::vector<double> want(g.M * g.N);
  double worst = 0;
  bool pad_ok = true;
  for (int64_t i = 0; i < g.M; ++i) {
    for (int64_t j = 0; j < g.N; ++j) {
      double acc = 0, mag = 0;
      for (int64_t k = 0; k < g.K; ++k) {
        double a = g.ta ? A[k * lda + i] : A[i * lda + k], b = g.tb ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
        mag += std::fabs(a * b);
      }
      double c0 = C[i * ldc + j];
      want[i * g.N + j] = g.alpha * acc + (g.beta == 0.f ? 0.0 : g.beta * c0);
      worst = std::max(worst, std::fabs(g.alpha) * mag + std::fabs(g.beta * c0));
      got_mn[i * g.N + j] = got[i * ldc + j];
    }
    for (int64_t j = g.N; j < ldc; ++j) pad_ok = pad_ok && got[i * ldc + j] == C[i * ldc + j];
  }
  char what[160];
  std::snprintf(what, sizeof what, "cuda gemm M=%lld N=%lld K=%lld tA=%d tB=%d pad=%zu tf32=%d",
                static_cast<long long>(g.M), static_cast<long long>(g.N), static_cast<long long>(g.K), g.ta, g.tb,
                g.pad, kerno_cuda_get_tf32());
  KT_CHECK(pad_ok, "%s: wrote into C's padding", what);
  double atol = (rel_per_product + (g.K + 4) * std::ldexp(1.0, -24)) * worst + 1e-30;
  KT_ALL_CLOSE(what, got_mn.data(), want.data(), got_mn.size(), atol, 0.0);
  return got_mn;
}

}  // namespace

// Products large enough for the 128×128 tiles (at least one tile per SM on any current GPU),
// ragged on every side, aligned and unaligned, all four transposes.
KERNO_TEST(cuda_gemm_large_tiles_match_float64) {
  const kerno_backend* be = cuda_or_skip();
  if (!be) return;
  kerno_cuda_set_tf32(0);
  uint32_t seed = 100;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (size_t pad : {size_t{0}, size_t{1}}) check_gemm(be, {1601, 1543, 37, ta, tb, 0.75f, pad ? 0.5f : 0.f, pad}, 0.0, seed++);
}

// TF32 mode: within the TF32 bound, different from FP32 (the mode really changes the
// arithmetic), and off again when cleared.
KERNO_TEST(cuda_tf32_gemm_within_tf32_tolerance) {
  const kerno_backend* be = cuda_or_skip();
  if (!be) return;
  const double tf32_rel = std::ldexp(1.0, -10) + std::ldexp(1.0, -21);
  KT_CHECK_OK(kerno_cuda_set_tf32(1));
  KT_CHECK(kerno_cuda_get_tf32() == 1, "get_tf32 after set_tf32(1)");
  uint32_t seed = 200;
  std::vector<float> tf32_result;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      check_gemm(be, {300, 257, 1000, ta, tb, 1.f, 0.f, 0}, tf32_rel, seed);
      check_gemm(be, {129, 7, 33, ta, tb, -2.f, 0.3f, 1}, tf32_rel, seed + 1);
      seed += 2;
    }
  tf32_result = check_gemm(be, {64, 64, 1000, 0, 0, 1.f, 0.f, 0}, tf32_rel, 999);
  KT_CHECK_OK(kerno_cuda_set_tf32(0));
  KT_CHECK(kerno_cuda_get_tf32() == 0, "get_tf32 after set_tf32(0)");
  std::vector<float> fp32_result = check_gemm(be, {64, 64, 1000, 0, 0, 1.f, 0.f, 0}, 0.0, 999);
  KT_CHECK(tf32_result != fp32_result, "TF32 mode gave the FP32 result bit for bit");
}

// A sparse class index outside [0, C) is found on the device: the call returns OK and the next
// synchronize reports it once.
KERNO_TEST(cuda_bad_sparse_index_is_reported_at_synchronize) {
  const kerno_backend* be = cuda_or_skip();
  if (!be) return;
  KT_CHECK_OK(be->synchronize());
  DevFloats pred(be, 6), target(be, 2), loss(be, 6);
  pred.upload({0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f});
  target.upload({0.f, 5.f});
  kerno_loss_params p{KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY, 0.f, 1.f};
  KT_CHECK_OK(be->loss_forward(loss.ptr(), pred.ptr(), target.ptr(), 2, 3, &p));
  kerno_status s = be->synchronize();
  KT_CHECK(s == KERNO_ERR_INVALID_ARGUMENT, "synchronize after a bad index gave %s", kerno_status_string(s));
  KT_CHECK_OK(be->synchronize());  // reported once, then cleared
  target.upload({0.f, 2.f});
  KT_CHECK_OK(be->loss_backward(loss.ptr(), pred.ptr(), target.ptr(), nullptr, 2, 3, &p));
  KT_CHECK_OK(be->synchronize());
}

// Three Adam steps of a 20-16-5 MLP (relu, sparse softmax crossentropy) with parameters,
// gradients and optimizer slots resident on the device, against the CPU backend on host memory.
KERNO_TEST(cuda_device_resident_training_step_matches_cpu) {
  const kerno_backend* be = cuda_or_skip();
  if (!be) return;
  const kerno_backend* cpu = kerno_backend_cpu();
  const int64_t B = 8, I = 20, H = 16, O = 5;
  const int64_t nw1 = I * H, nb1 = H, nw2 = H * O, nb2 = O, P = nw1 + nb1 + nw2 + nb2;
  std::vector<float> x = kt::random_vector(B * I, 1), y(B), params = kt::random_vector(P, 2, -0.3f, 0.3f);
  for (int64_t b = 0; b < B; ++b) y[b] = static_cast<float>(b % O);

  // The same step on either backend, given its buffers (host or device).
  struct Bufs {
    float *x, *y, *p, *g, *m, *v, *h, *a, *z, *dz, *da, *dh, *loss;
  };
  auto step = [&](const kerno_backend* k, const Bufs& u, int64_t t, bool device) {
    float *w1 = u.p, *b1 = w1 + nw1, *w2 = b1 + nb1, *b2 = w2 + nw2;
    float *gw1 = u.g, *gb1 = gw1 + nw1, *gw2 = gb1 + nb1, *gb2 = gw2 + nw2;
    kerno_activation_params relu{KERNO_ACT_RELU, 0.f};
    kerno_loss_params lp{KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY, 0.f, 1.f};
    KT_CHECK_OK(k->dense_forward(u.h, u.x, w1, b1, B, I, H));
    KT_CHECK_OK(k->activation_forward(u.a, u.h, B * H, &relu));
    KT_CHECK_OK(k->dense_forward(u.z, u.a, w2, b2, B, H, O));
    KT_CHECK_OK(k->loss_forward(u.loss, u.z, u.y, B, O, &lp));
    KT_CHECK_OK(k->loss_backward(u.dz, u.z, u.y, nullptr, B, O, &lp));
    if (device) {
      KT_CHECK_OK(k->mem_zero(u.g, P * sizeof(float)));
      KT_CHECK_OK(k->mem_zero(u.da, B * H * sizeof(float)));
      KT_CHECK_OK(k->mem_zero(u.dh, B * H * sizeof(float)));
    } else {
      std::memset(u.g, 0, P * sizeof(float));
      std::memset(u.da, 0, B * H * sizeof(float));
      std::memset(u.dh, 0, B * H * sizeof(float));
    }
    KT_CHECK_OK(k->dense_backward(u.da, gw2, gb2, u.dz, u.a, w2, B, H, O));
    KT_CHECK_OK(k->activation_backward(u.dh, u.da, u.h, u.a, B * H, &relu));
    KT_CHECK_OK(k->dense_backward(nullptr, gw1, gb1, u.dh, u.x, w1, B, I, H));
    kerno_optimizer_params op{};
    op.kind = KERNO_OPT_ADAM;
    op.learning_rate = 0.01f;
    op.beta_1 = 0.9f;
    op.beta_2 = 0.999f;
    op.epsilon = 1e-7f;
    op.step = t;
    KT_CHECK_OK(k->optimizer_update(u.p, u.g, u.m, u.v, nullptr, P, &op));
  };

  // CPU on host vectors.
  std::vector<float> hp = params, hg(P), hm(P, 0.f), hv(P, 0.f), hh(B * H), ha(B * H), hz(B * O), hdz(B * O),
                     hda(B * H), hdh(B * H), hloss(B);
  Bufs hb{x.data(), y.data(), hp.data(), hg.data(), hm.data(), hv.data(), hh.data(), ha.data(),
          hz.data(), hdz.data(), hda.data(), hdh.data(), hloss.data()};
  // CUDA on device buffers; only the batch goes up and the results come down at the end.
  DevFloats dx(be, B * I), dy(be, B), dp(be, P), dg(be, P), dm(be, P), dv(be, P), dh(be, B * H), da(be, B * H),
      dz(be, B * O), ddz(be, B * O), dda(be, B * H), ddh(be, B * H), dl(be, B);
  dx.upload(x);
  dy.upload(y);
  dp.upload(params);
  KT_CHECK_OK(be->mem_zero(dm.ptr(), P * sizeof(float)));
  KT_CHECK_OK(be->mem_zero(dv.ptr(), P * sizeof(float)));
  Bufs db{dx.ptr(), dy.ptr(), dp.ptr(), dg.ptr(), dm.ptr(), dv.ptr(), dh.ptr(), da.ptr(),
          dz.ptr(), ddz.ptr(), dda.ptr(), ddh.ptr(), dl.ptr()};
  for (int64_t t = 1; t <= 3; ++t) {
    step(cpu, hb, t, false);
    step(be, db, t, true);
  }
  std::vector<float> got_p = dp.download(P), got_loss = dl.download(B), got_m = dm.download(P);
  std::vector<double> want_p(hp.begin(), hp.end()), want_loss(hloss.begin(), hloss.end()), want_m(hm.begin(), hm.end());
  // The two backends sum in different orders (a few float ulps per value); Adam's normalised
  // step keeps parameter differences at that scale.
  KT_ALL_CLOSE("cuda vs cpu parameters after 3 Adam steps", got_p.data(), want_p.data(), P, 1e-5, 1e-4);
  KT_ALL_CLOSE("cuda vs cpu first moments", got_m.data(), want_m.data(), P, 1e-6, 1e-3);
  KT_ALL_CLOSE("cuda vs cpu losses of step 3", got_loss.data(), want_loss.data(), B, 1e-5, 1e-5);
}
