// Assembles the backend tables. The CPU levels share every kernel except the GEMM micro-kernel
// (and the ops built on it), so each level's table differs only in the GEMM it passes down.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu/ops.h"
#include "cpu/ops_layers.h"
#include "cpu/ops_conv.h"
#include "runtime/cpu_features.h"
#include "runtime/device_sim.h"

#if defined(KERNO_WITH_CUDA)
extern "C" const kerno_backend* kerno_cuda_backend(void);  // native/cuda/registry.cu
#endif

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
template <gemm_fn G>
kerno_status conv2d_forward_with(float* out, const float* inp, const float* kernel, const float* bias,
                                 const kerno_conv2d_params* p) {
  return cpu_conv2d_forward(G, out, inp, kernel, bias, p);
}
template <gemm_fn G>
kerno_status conv2d_backward_data_with(float* dinp, const float* dout, const float* kernel,
                                       const kerno_conv2d_params* p) {
  return cpu_conv2d_backward_data(G, dinp, dout, kernel, p);
}
template <gemm_fn G>
kerno_status conv2d_backward_filter_with(float* dkernel, float* dbias, const float* dout, const float* inp,
                                         const kerno_conv2d_params* p) {
  return cpu_conv2d_backward_filter(G, dkernel, dbias, dout, inp, p);
}

// Tables are filled field by field so each op family adds its own lines (order-independent);
// an op a backend lacks stays NULL and the binding reports it as unsupported.
kerno_backend make_reference() {
  kerno_backend b{};
  b.name = "reference";
  b.gemm = ref_gemm;
  b.dense_forward = ref_dense_forward;
  b.dense_backward = ref_dense_backward;
  b.activation_forward = ref_activation_forward;
  b.activation_backward = ref_activation_backward;
  b.softmax_forward = ref_softmax_forward;
  b.softmax_backward = ref_softmax_backward;
  b.loss_forward = ref_loss_forward;
  b.loss_backward = ref_loss_backward;
  b.optimizer_update = ref_optimizer_update;
  b.sum_squares = ref_sum_squares;
  b.scale = ref_scale;
  b.clip_by_value = ref_clip_by_value;
  b.rng_fill = ref_rng_fill;
  b.max_pool2d_forward = ref_max_pool2d_forward;
  b.max_pool2d_backward = ref_max_pool2d_backward;
  b.max_pool2d_relu_backward = ref_max_pool2d_relu_backward;
  b.avg_pool2d_forward = ref_avg_pool2d_forward;
  b.avg_pool2d_backward = ref_avg_pool2d_backward;
  b.global_avg_pool_forward = ref_global_avg_pool_forward;
  b.global_avg_pool_backward = ref_global_avg_pool_backward;
  b.global_max_pool_forward = ref_global_max_pool_forward;
  b.global_max_pool_backward = ref_global_max_pool_backward;
  b.batchnorm_forward_train = ref_batchnorm_forward_train;
  b.batchnorm_forward_infer = ref_batchnorm_forward_infer;
  b.batchnorm_backward = ref_batchnorm_backward;
  b.dropout_forward = ref_dropout_forward;
  b.dropout_backward = ref_dropout_backward;
  b.zero_pad2d_forward = ref_zero_pad2d_forward;
  b.zero_pad2d_backward = ref_zero_pad2d_backward;
  b.crop2d_forward = ref_crop2d_forward;
  b.crop2d_backward = ref_crop2d_backward;
  b.upsample2d_forward = ref_upsample2d_forward;
  b.upsample2d_backward = ref_upsample2d_backward;
  b.conv2d_forward = ref_conv2d_forward;
  b.conv2d_backward_data = ref_conv2d_backward_data;
  b.conv2d_backward_filter = ref_conv2d_backward_filter;
  b.depthwise_conv2d_forward = ref_depthwise_conv2d_forward;
  b.depthwise_conv2d_backward = ref_depthwise_conv2d_backward;
  return b;
}

// `avx2`: the level may run AVX2 code in the kernels that are not GEMM-based (pooling).
template <gemm_fn G>
kerno_backend make_cpu(const char* name, bool avx2) {
  kerno_backend b{};
  b.name = name;
  b.gemm = G;
  b.dense_forward = dense_forward_with<G>;
  b.dense_backward = dense_backward_with<G>;
  b.activation_forward = cpu_activation_forward;
  b.activation_backward = cpu_activation_backward;
  b.softmax_forward = cpu_softmax_forward;
  b.softmax_backward = cpu_softmax_backward;
  b.loss_forward = cpu_loss_forward;
  b.loss_backward = cpu_loss_backward;
  b.optimizer_update = cpu_optimizer_update;
  b.sum_squares = cpu_sum_squares;
  b.scale = cpu_scale;
  b.clip_by_value = cpu_clip_by_value;
  b.rng_fill = cpu_rng_fill;
  b.max_pool2d_forward = cpu_max_pool2d_forward;
  b.max_pool2d_backward = cpu_max_pool2d_backward;
  b.max_pool2d_relu_backward = avx2 ? avx2_max_pool2d_relu_backward : cpu_max_pool2d_relu_backward;
  b.avg_pool2d_forward = cpu_avg_pool2d_forward;
  b.avg_pool2d_backward = cpu_avg_pool2d_backward;
  b.global_avg_pool_forward = cpu_global_avg_pool_forward;
  b.global_avg_pool_backward = cpu_global_avg_pool_backward;
  b.global_max_pool_forward = cpu_global_max_pool_forward;
  b.global_max_pool_backward = cpu_global_max_pool_backward;
  b.batchnorm_forward_train = cpu_batchnorm_forward_train;
  b.batchnorm_forward_infer = cpu_batchnorm_forward_infer;
  b.batchnorm_backward = cpu_batchnorm_backward;
  b.dropout_forward = cpu_dropout_forward;
  b.dropout_backward = cpu_dropout_backward;
  b.zero_pad2d_forward = cpu_zero_pad2d_forward;
  b.zero_pad2d_backward = cpu_zero_pad2d_backward;
  b.crop2d_forward = cpu_crop2d_forward;
  b.crop2d_backward = cpu_crop2d_backward;
  b.upsample2d_forward = cpu_upsample2d_forward;
  b.upsample2d_backward = cpu_upsample2d_backward;
  b.conv2d_forward = conv2d_forward_with<G>;
  b.conv2d_backward_data = conv2d_backward_data_with<G>;
  b.conv2d_backward_filter = conv2d_backward_filter_with<G>;
  b.depthwise_conv2d_forward = cpu_depthwise_conv2d_forward;
  b.depthwise_conv2d_backward = cpu_depthwise_conv2d_backward;
  return b;
}

const kerno_backend kReference = make_reference();
const kerno_backend kPortable = make_cpu<gemm_portable>("cpu-portable", false);
const kerno_backend kAvx2 = make_cpu<gemm_avx2>("cpu-avx2", true);
const kerno_backend kAvx512 = make_cpu<gemm_avx512>("cpu-avx512", true);

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
    // Testing aid (runtime/device_sim.h): the default CPU kernels behind device memory entries.
    if (device_sim_requested()) all.push_back(device_sim_backend(cpu));
#if defined(KERNO_WITH_CUDA)
    // "cuda" only where a usable device exists (kerno_cuda_backend() is NULL otherwise).
    if (kerno_cuda_device_count() > 0)
      if (const kerno_backend* cuda = kerno_cuda_backend()) all.push_back(cuda);
#endif
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
kerno_status kerno_cuda_device_properties(int, kerno_cuda_device_props*) { return KERNO_ERR_UNSUPPORTED; }
kerno_status kerno_cuda_set_tf32(int) { return KERNO_ERR_UNSUPPORTED; }
int kerno_cuda_get_tf32(void) { return 0; }
#endif

}  // extern "C"
