// Assembles the backend tables. The CPU levels share every kernel except the GEMM micro-kernel
// (and the ops built on it), so each level's table differs only in the GEMM it passes down.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu/ops.h"
#include "runtime/cpu_features.h"

namespace kerno {
namespace {

// The dense kernels are generic over a GEMM; the table needs plain function pointers, so each
// level gets a thin instantiation.
template <gemm_fn G>
kerno_status dense_forward_with(float* out, const float* inp, const float* kernel, const float* bias,
                                int64_t B, int64_t I, int64_t U) {
  return cpu_dense_forward(G, out, inp, kernel, bias, B, I, U);
}
template <gemm_fn G>
kerno_status dense_backward_with(float* dinp, float* dkernel, float* dbias, const float* dout,
                                 const float* inp, const float* kernel, int64_t B, int64_t I, int64_t U) {
  return cpu_dense_backward(G, dinp, dkernel, dbias, dout, inp, kernel, B, I, U);
}

const kerno_backend kReference = {
    "reference",          ref_gemm,
    ref_dense_forward,    ref_dense_backward,
    ref_activation_forward, ref_activation_backward,
    ref_softmax_forward,  ref_softmax_backward,
    ref_loss_forward,     ref_loss_backward,
    ref_optimizer_update, ref_sum_squares, ref_scale, ref_clip_by_value,
    ref_rng_fill,
};

template <gemm_fn G>
constexpr kerno_backend cpu_table(const char* name) {
  return kerno_backend{
      name,                   G,
      dense_forward_with<G>,  dense_backward_with<G>,
      cpu_activation_forward, cpu_activation_backward,
      cpu_softmax_forward,    cpu_softmax_backward,
      cpu_loss_forward,       cpu_loss_backward,
      cpu_optimizer_update,   cpu_sum_squares, cpu_scale, cpu_clip_by_value,
      cpu_rng_fill,
  };
}

const kerno_backend kPortable = cpu_table<gemm_portable>("cpu-portable");
const kerno_backend kAvx2 = cpu_table<gemm_avx2>("cpu-avx2");
const kerno_backend kAvx512 = cpu_table<gemm_avx512>("cpu-avx512");

enum Level { kLevelPortable = 0, kLevelAvx2 = 1, kLevelAvx512 = 2 };

// KERNO_SIMD caps the level so the portable and AVX2 paths can be tested on newer CPUs.
Level level_cap() {
  const char* env = std::getenv("KERNO_SIMD");
  if (!env || !*env) return kLevelAvx512;
  if (std::strcmp(env, "portable") == 0) return kLevelPortable;
  if (std::strcmp(env, "avx2") == 0) return kLevelAvx2;
  return kLevelAvx512;
}

struct Registry {
  std::vector<const kerno_backend*> all;
  const kerno_backend* cpu = &kPortable;
  Registry() {
    const kerno_cpu_features& f = cpu_features();
    Level cap = level_cap();
    all.push_back(&kReference);
    all.push_back(&kPortable);
    // Only levels this CPU can execute are listed: calling them elsewhere would be SIGILL.
    if (f.avx2_fma) all.push_back(&kAvx2);
    if (f.avx512f) all.push_back(&kAvx512);
    if (f.avx512f && cap >= kLevelAvx512) cpu = &kAvx512;
    else if (f.avx2_fma && cap >= kLevelAvx2) cpu = &kAvx2;
  }
};

const Registry& registry() {
  static const Registry r;
  return r;
}

}  // namespace
}  // namespace kerno

extern "C" {

const char* kerno_status_string(kerno_status s) {
  switch (s) {
    case KERNO_OK: return "ok";
    case KERNO_ERR_INVALID_ARGUMENT: return "invalid argument";
    case KERNO_ERR_OUT_OF_MEMORY: return "out of memory";
    case KERNO_ERR_UNSUPPORTED: return "unsupported";
    case KERNO_ERR_DEVICE: return "device error";
    case KERNO_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

int kerno_backend_count(void) { return static_cast<int>(kerno::registry().all.size()); }

const kerno_backend* kerno_backend_at(int i) {
  const auto& all = kerno::registry().all;
  if (i < 0 || i >= static_cast<int>(all.size())) return nullptr;
  return all[static_cast<size_t>(i)];
}

const kerno_backend* kerno_backend_by_name(const char* name) {
  if (!name) return nullptr;
  for (const kerno_backend* b : kerno::registry().all)
    if (std::strcmp(b->name, name) == 0) return b;
  return nullptr;
}

const kerno_backend* kerno_backend_cpu(void) { return kerno::registry().cpu; }

#if !defined(KERNO_WITH_CUDA)
// Built without a CUDA compiler: the CUDA entry points answer "not built, no device".
int kerno_cuda_built(void) { return 0; }
int kerno_cuda_device_count(void) { return 0; }
#endif

}  // extern "C"
