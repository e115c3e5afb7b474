// Kernel wrappers: read arguments, check that every buffer covers what the sizes imply, call the
// backend table, map the status. No maths here; argument order follows kernels.h, with the
// backend index first. Everything runs synchronously on the JS thread, so JS cannot detach or
// write the buffers while a kernel uses them.
#include <cmath>
#include <string>
#include <vector>

#include "args.h"
#include "cpu/optimizer_coeffs.h"

namespace kerno_binding {

namespace {

// A backend may leave an op out of its table (e.g. a device backend still being written).
template <class Fn>
Fn require_op(const Args& a, const kerno_backend& be, Fn fn) {
  if (!fn)
    throw_status(a.env(), a.op(), KERNO_ERR_UNSUPPORTED,
                 std::string("backend \"") + (be.name ? be.name : "?") + "\" does not implement it");
  return fn;
}

// gemm(backend, C, A, B, transA, transB, M, N, K, lda, ldb, ldc, alpha, beta)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_gemm_params p{};
  p.trans_a = a.flag(4, "transA");
  p.trans_b = a.flag(5, "transB");
  p.M = a.size(6, "M");
  p.N = a.size(7, "N");
  p.K = a.size(8, "K");
  p.lda = a.size(9, "lda");
  p.ldb = a.size(10, "ldb");
  p.ldc = a.size(11, "ldc");
  p.alpha = a.f32(12, "alpha");
  p.beta = a.f32(13, "beta");
  float* C = a.floats(1, "C", matrix_span(p.M, p.N, p.ldc));
  const float* A = a.floats(2, "A", p.trans_a ? matrix_span(p.K, p.M, p.lda) : matrix_span(p.M, p.K, p.lda));
  const float* B = a.floats(3, "B", p.trans_b ? matrix_span(p.N, p.K, p.ldb) : matrix_span(p.K, p.N, p.ldb));
  check_status(a.env(), a.op(), require_op(a, be, be.gemm)(C, A, B, &p));
  return info.Env().Undefined();
}

// denseForward(backend, out, inp, kernel, bias|null, B, I, U)
Napi::Value DenseForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t B = a.size(5, "B"), I = a.size(6, "I"), U = a.size(7, "U");
  float* out = a.floats(1, "out", mul_sat(B, U));
  const float* inp = a.floats(2, "inp", mul_sat(B, I));
  const float* kernel = a.floats(3, "kernel", mul_sat(I, U));
  const float* bias = a.floats_or_null(4, "bias", U);
  check_status(a.env(), a.op(), require_op(a, be, be.dense_forward)(out, inp, kernel, bias, B, I, U));
  return info.Env().Undefined();
}

// denseBackward(backend, dinp|null, dkernel|null, dbias|null, dout, inp, kernel, B, I, U)
Napi::Value DenseBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t B = a.size(7, "B"), I = a.size(8, "I"), U = a.size(9, "U");
  float* dinp = a.floats_or_null(1, "dinp", mul_sat(B, I));
  float* dkernel = a.floats_or_null(2, "dkernel", mul_sat(I, U));
  float* dbias = a.floats_or_null(3, "dbias", U);
  const float* dout = a.floats(4, "dout", mul_sat(B, U));
  const float* inp = a.floats(5, "inp", mul_sat(B, I));
  const float* kernel = a.floats(6, "kernel", mul_sat(I, U));
  check_status(a.env(), a.op(),
               require_op(a, be, be.dense_backward)(dinp, dkernel, dbias, dout, inp, kernel, B, I, U));
  return info.Env().Undefined();
}

// activationForward(backend, out, inp, kind, alpha); N = inp.length
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_activation_params p{a.int32(3, "kind"), a.f32(4, "alpha")};
  int64_t N = 0;
  const float* inp = a.floats(2, "inp", &N);
  float* out = a.floats(1, "out", N);
  check_status(a.env(), a.op(), require_op(a, be, be.activation_forward)(out, inp, N, &p));
  return info.Env().Undefined();
}

// activationBackward(backend, dinp, dout, inp, out, kind, alpha); N = inp.length
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_activation_params p{a.int32(5, "kind"), a.f32(6, "alpha")};
  int64_t N = 0;
  const float* inp = a.floats(3, "inp", &N);
  float* dinp = a.floats(1, "dinp", N);
  const float* dout = a.floats(2, "dout", N);
  const float* out = a.floats(4, "out", N);
  check_status(a.env(), a.op(), require_op(a, be, be.activation_backward)(dinp, dout, inp, out, N, &p));
  return info.Env().Undefined();
}

// softmaxForward(backend, out, inp, R, C)
Napi::Value SoftmaxForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t R = a.size(3, "R"), C = a.size(4, "C");
  float* out = a.floats(1, "out", mul_sat(R, C));
  const float* inp = a.floats(2, "inp", mul_sat(R, C));
  check_status(a.env(), a.op(), require_op(a, be, be.softmax_forward)(out, inp, R, C));
  return info.Env().Undefined();
}

// softmaxBackward(backend, dinp, dout, out, R, C)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t R = a.size(4, "R"), C = a.size(5, "C");
  float* dinp = a.floats(1, "dinp", mul_sat(R, C));
  const float* dout = a.floats(2, "dout", mul_sat(R, C));
  const float* out = a.floats(3, "out", mul_sat(R, C));
  check_status(a.env(), a.op(), require_op(a, be, be.softmax_backward)(dinp, dout, out, R, C));
  return info.Env().Undefined();
}

bool is_sparse(int32_t kind) {
  return kind == KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY || kind == KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY;
}

// The loss kind decides the target's length, so unlike other enums the binding must know it.
int32_t loss_kind(const Args& a, size_t i) {
  int32_t kind = a.int32(i, "kind");
  if (kind < KERNO_LOSS_CATEGORICAL_CROSSENTROPY || kind > KERNO_LOSS_HUBER)
    a.range_error(i, "kind", "a loss kind in [0, 8]");
  return kind;
}

// Sparse targets index pred's rows: a label outside [0, C) gets a RangeError naming the element.
// Device backends read the labels only in the kernel, which refuses such a row itself (the
// status comes at the next synchronisation, kernels.h): checking here would download them, a
// host round trip on each of a training step's two loss calls. The engine checks every label
// in JS before training (src/engine/validate.ts), so users see the same typed error on both.
const float* loss_target(const Args& a, size_t i, int32_t kind, int64_t B, int64_t C) {
  if (!is_sparse(kind)) return a.floats(i, "target", mul_sat(B, C));
  const float* labels = a.floats(i, "target", B);
  if (a.on_device()) return labels;
  for (int64_t r = 0; r < B; ++r) {
    float v = labels[r];
    if (!(v >= 0 && static_cast<double>(v) < static_cast<double>(C) && std::floor(v) == v))
      a.range_error(i, "target",
                    "class indices that are integers in [0, " + std::to_string(C) + ") (element " +
                        std::to_string(r) + " is " + std::to_string(v) + ")");
  }
  return labels;
}

// Huber's delta is a trailing argument that may be left out (Keras's default, 1.0), so callers
// of the other losses keep their arity; the kernel checks its domain.
float loss_delta(const Napi::CallbackInfo& info, const Args& a, size_t i) {
  return info.Length() > i && !info[i].IsUndefined() ? a.f32(i, "delta") : 1.f;
}

// lossForward(backend, loss, pred, target, B, C, kind, labelSmoothing, delta?)
Napi::Value LossForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t B = a.size(4, "B"), C = a.size(5, "C");
  kerno_loss_params p{loss_kind(a, 6), a.f32(7, "labelSmoothing"), loss_delta(info, a, 8)};
  float* loss = a.floats(1, "loss", B);
  const float* pred = a.floats(2, "pred", mul_sat(B, C));
  const float* target = loss_target(a, 3, p.kind, B, C);
  check_status(a.env(), a.op(), require_op(a, be, be.loss_forward)(loss, pred, target, B, C, &p));
  return info.Env().Undefined();
}

// lossBackward(backend, dpred, pred, target, weight|null, B, C, kind, labelSmoothing, delta?)
Napi::Value LossBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t B = a.size(5, "B"), C = a.size(6, "C");
  kerno_loss_params p{loss_kind(a, 7), a.f32(8, "labelSmoothing"), loss_delta(info, a, 9)};
  float* dpred = a.floats(1, "dpred", mul_sat(B, C));
  const float* pred = a.floats(2, "pred", mul_sat(B, C));
  const float* target = loss_target(a, 3, p.kind, B, C);
  const float* weight = a.floats_or_null(4, "weight", B);
  check_status(a.env(), a.op(), require_op(a, be, be.loss_backward)(dpred, pred, target, weight, B, C, &p));
  return info.Env().Undefined();
}

// optimizerUpdate(backend, param, grad, slot0|null, slot1|null, slot2|null, kind, learningRate,
//   weightDecay, momentum, nesterov, rho, centered, beta1, beta2, amsgrad, epsilon, step, uProduct?,
//   zeroGrad?, ...outer)
// uProduct (kerno_optimizer_params.u_product) is required for Nadam and may be left out otherwise;
// zeroGrad (default false) zeroes grad after the update (kerno_optimizer_params.zero_grad);
// outer: up to KERNO_MAX_OUTER_GRADS groups of five arguments (offset, rows, cols, u|null, v), the
// weights whose gradients are outer products (kerno_outer_grad; the kernel checks their layout).
Napi::Value OptimizerUpdate(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_optimizer_params p{};
  p.kind = a.int32(6, "kind");
  // The kind decides which slots are dereferenced, so an unknown one cannot be passed through.
  if (p.kind < KERNO_OPT_SGD || p.kind > KERNO_OPT_ADAMAX) a.range_error(6, "kind", "an optimizer kind in [0, 5]");
  p.learning_rate = a.f32(7, "learningRate");
  p.weight_decay = a.f32(8, "weightDecay");
  p.momentum = a.f32(9, "momentum");
  p.nesterov = a.flag(10, "nesterov");
  p.rho = a.f32(11, "rho");
  p.centered = a.flag(12, "centered");
  p.beta_1 = a.f32(13, "beta1");
  p.beta_2 = a.f32(14, "beta2");
  p.amsgrad = a.flag(15, "amsgrad");
  p.epsilon = a.f32(16, "epsilon");
  p.step = a.size(17, "step");
  if (p.kind == KERNO_OPT_NADAM) p.u_product = a.f32(18, "uProduct");
  if (info.Length() > 19 && !info[19].IsUndefined()) p.zero_grad = a.flag(19, "zeroGrad");
  int64_t N = 0;
  float* param = a.floats(1, "param", &N);
  float* grad = a.floats(2, "grad", N);
  bool need[3];
  kerno::opt::needed_slots(p, need);
  static const char* const names[3] = {"slot0", "slot1", "slot2"};
  float* slots[3];
  for (int s = 0; s < 3; ++s) {
    size_t i = 3 + static_cast<size_t>(s);
    slots[s] = need[s] ? a.floats(i, names[s], N) : a.floats_or_null(i, names[s], N);
  }
  constexpr size_t kOuterAt = 20, kOuterArgs = 5;
  const size_t extra = info.Length() > kOuterAt ? info.Length() - kOuterAt : 0;
  if (extra % kOuterArgs != 0 || extra / kOuterArgs > KERNO_MAX_OUTER_GRADS)
    a.range_error(kOuterAt, "outer", "groups of five arguments (offset, rows, cols, u, v), at most " +
                                         std::to_string(KERNO_MAX_OUTER_GRADS));
  kerno_outer_grad outer[KERNO_MAX_OUTER_GRADS];
  for (size_t k = 0; k < extra / kOuterArgs; ++k) {
    const size_t i = kOuterAt + k * kOuterArgs;
    kerno_outer_grad& o = outer[k];
    o.offset = a.size(i, "outer offset");
    o.rows = a.size(i + 1, "outer rows");
    o.cols = a.size(i + 2, "outer cols");
    o.u = a.floats_or_null(i + 3, "outer u", o.rows);
    o.v = a.floats(i + 4, "outer v", o.cols);
  }
  p.outer = outer;
  p.n_outer = static_cast<int32_t>(extra / kOuterArgs);
  check_status(a.env(), a.op(),
               require_op(a, be, be.optimizer_update)(param, grad, slots[0], slots[1], slots[2], N, &p));
  return info.Env().Undefined();
}

// sumSquares(backend, x) -> number
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t N = 0;
  const float* x = a.floats(1, "x", &N);
  auto kernel = require_op(a, be, be.sum_squares);
  double out = a.scalar_result([&](double* result) { return kernel(result, x, N); });
  return Napi::Number::New(info.Env(), out);
}

// scale(backend, x, s)
Napi::Value Scale(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  float s = a.f32(2, "s");
  int64_t N = 0;
  float* x = a.floats(1, "x", &N);
  check_status(a.env(), a.op(), require_op(a, be, be.scale)(x, N, s));
  return info.Env().Undefined();
}

// clipByValue(backend, x, v)
Napi::Value ClipByValue(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  float v = a.f32(2, "v");
  int64_t N = 0;
  float* x = a.floats(1, "x", &N);
  check_status(a.env(), a.op(), require_op(a, be, be.clip_by_value)(x, N, v));
  return info.Env().Undefined();
}

// rngFill(backend, out, distribution, a, b, seed, offset)
Napi::Value RngFill(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_rng_params p{};
  p.distribution = a.int32(2, "distribution");
  p.a = a.f32(3, "a");
  p.b = a.f32(4, "b");
  p.seed = a.u64(5, "seed");
  p.offset = a.u64(6, "offset");
  int64_t N = 0;
  float* out = a.floats(1, "out", &N);
  check_status(a.env(), a.op(), require_op(a, be, be.rng_fill)(out, N, &p));
  return info.Env().Undefined();
}

}  // namespace

// data.cc: batch assembly for the data adapter (host memory, no backend).
void register_data(Napi::Env env, Napi::Object exports);

void register_ops(Napi::Env env, Napi::Object exports) {
  register_data(env, exports);
  Export<Gemm>(env, exports, "gemm");
  Export<DenseForward>(env, exports, "denseForward");
  Export<DenseBackward>(env, exports, "denseBackward");
  Export<ActivationForward>(env, exports, "activationForward");
  Export<ActivationBackward>(env, exports, "activationBackward");
  Export<SoftmaxForward>(env, exports, "softmaxForward");
  Export<SoftmaxBackward>(env, exports, "softmaxBackward");
  Export<LossForward>(env, exports, "lossForward");
  Export<LossBackward>(env, exports, "lossBackward");
  Export<OptimizerUpdate>(env, exports, "optimizerUpdate");
  Export<SumSquares>(env, exports, "sumSquares");
  Export<Scale>(env, exports, "scale");
  Export<ClipByValue>(env, exports, "clipByValue");
  Export<RngFill>(env, exports, "rngFill");
}

}  // namespace kerno_binding
