// Wrappers of the convolutional-network kernels (kernels.h, "convolution & pooling" and after).
// Same rules as ops.cc: read arguments, check that every buffer covers what the sizes imply
// (saturating products, so overflow fails the check instead of wrapping), call the table, map
// the status. Geometry that cannot touch memory (windows that miss the input, OH inconsistent
// with H, ...) is the kernels' to refuse with KERNO_ERR_INVALID_ARGUMENT. Synchronous, like ops.cc.
//
// Positional order: backend, outputs, inputs, saved tensors, then the sizes in the order of the
// parameter struct fields.
#include "ops_conv.h"

#include <string>

#include "args.h"

namespace kerno_binding {

namespace {

// Kernel sizes, strides, dilations and pads are not bounded by any buffer length, yet the kernels
// multiply them with output indices in int64 ((OH−1)·stride...). Capping them at 2^31 keeps those
// products far from overflow, whatever the kernel checks itself.
constexpr int64_t kMaxGeometry = int64_t{1} << 31;

int64_t geometry(const Args& a, size_t i, const char* name, bool positive) {
  int64_t v = a.size(i, name);
  if (v > kMaxGeometry || (positive && v < 1))
    a.range_error(i, name, positive ? "an integer in [1, 2^31]" : "an integer in [0, 2^31]");
  return v;
}

template <class Fn>
Fn require_op(const Args& a, const kerno_backend& be, Fn fn) {
  if (!fn)
    throw_status(a.env(), a.op(), KERNO_ERR_UNSUPPORTED,
                 std::string("backend \"") + (be.name ? be.name : "?") + "\" does not implement it");
  return fn;
}

int64_t elems4(int64_t a, int64_t b, int64_t c, int64_t d) { return mul_sat(mul_sat(a, b), mul_sat(c, d)); }

// Conv geometry from position i: B, H, W, C, OH, OW, KH, KW, K, strideH, strideW, dilationH,
// dilationW, padTop, padLeft (15 values, the struct's order).
kerno_conv2d_params conv_params(const Args& a, size_t i) {
  kerno_conv2d_params p{};
  p.B = a.size(i, "B");
  p.H = a.size(i + 1, "H");
  p.W = a.size(i + 2, "W");
  p.C = a.size(i + 3, "C");
  p.OH = a.size(i + 4, "OH");
  p.OW = a.size(i + 5, "OW");
  p.KH = geometry(a, i + 6, "KH", false);
  p.KW = geometry(a, i + 7, "KW", false);
  p.K = a.size(i + 8, "K");
  p.stride_h = geometry(a, i + 9, "strideH", false);
  p.stride_w = geometry(a, i + 10, "strideW", false);
  p.dilation_h = geometry(a, i + 11, "dilationH", false);
  p.dilation_w = geometry(a, i + 12, "dilationW", false);
  p.pad_top = geometry(a, i + 13, "padTop", false);
  p.pad_left = geometry(a, i + 14, "padLeft", false);
  return p;
}
constexpr size_t kConvGeometry = 15;

// The forward kernels' fused activation from position i: kind (kerno_activation_kind, checked by
// the kernels) and alpha, the last field of the struct after the geometry.
kerno_activation_params act_params(const Args& a, size_t i) {
  return kerno_activation_params{a.int32(i, "actKind"), a.f32(i + 1, "actAlpha")};
}

// Pooling geometry from position i: B, H, W, C, OH, OW, KH, KW, strideH, strideW, padTop, padLeft.
// Dilation is 1 and K unused for pooling (kernels.h), so they are not arguments.
kerno_conv2d_params pool_params(const Args& a, size_t i) {
  kerno_conv2d_params p{};
  p.B = a.size(i, "B");
  p.H = a.size(i + 1, "H");
  p.W = a.size(i + 2, "W");
  p.C = a.size(i + 3, "C");
  p.OH = a.size(i + 4, "OH");
  p.OW = a.size(i + 5, "OW");
  p.KH = geometry(a, i + 6, "KH", false);
  p.KW = geometry(a, i + 7, "KW", false);
  p.stride_h = geometry(a, i + 8, "strideH", false);
  p.stride_w = geometry(a, i + 9, "strideW", false);
  p.pad_top = geometry(a, i + 10, "padTop", false);
  p.pad_left = geometry(a, i + 11, "padLeft", false);
  p.dilation_h = p.dilation_w = 1;
  p.K = p.C;
  return p;
}

int64_t in_len(const kerno_conv2d_params& p) { return elems4(p.B, p.H, p.W, p.C); }
int64_t out_len(const kerno_conv2d_params& p, int64_t channels) { return elems4(p.B, p.OH, p.OW, channels); }
int64_t kernel_len(const kerno_conv2d_params& p) { return elems4(p.KH, p.KW, p.C, p.K); }

// ---------------------------------------------------------------- conv2d

// conv2dForward(backend, out, inp, kernel, bias|null, ...conv geometry, actKind, actAlpha):
// out = act(conv + bias), the activation fused into the output stage (0 = linear = none).
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = conv_params(a, 5);
  p.act = act_params(a, 5 + kConvGeometry);
  float* out = a.floats(1, "out", out_len(p, p.K));
  const float* inp = a.floats(2, "inp", in_len(p));
  const float* kernel = a.floats(3, "kernel", kernel_len(p));
  const float* bias = a.floats_or_null(4, "bias", p.K);
  check_status(a.env(), a.op(), require_op(a, be, be.conv2d_forward)(out, inp, kernel, bias, &p));
  return info.Env().Undefined();
}

// conv2dBackwardData(backend, dinp, dout, kernel, ...conv geometry)
Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = conv_params(a, 4);
  float* dinp = a.floats(1, "dinp", in_len(p));
  const float* dout = a.floats(2, "dout", out_len(p, p.K));
  const float* kernel = a.floats(3, "kernel", kernel_len(p));
  check_status(a.env(), a.op(), require_op(a, be, be.conv2d_backward_data)(dinp, dout, kernel, &p));
  return info.Env().Undefined();
}

// conv2dBackwardFilter(backend, dkernel, dbias|null, dout, inp, ...conv geometry)
Napi::Value Conv2dBackwardFilter(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = conv_params(a, 5);
  float* dkernel = a.floats(1, "dkernel", kernel_len(p));
  float* dbias = a.floats_or_null(2, "dbias", p.K);
  const float* dout = a.floats(3, "dout", out_len(p, p.K));
  const float* inp = a.floats(4, "inp", in_len(p));
  check_status(a.env(), a.op(), require_op(a, be, be.conv2d_backward_filter)(dkernel, dbias, dout, inp, &p));
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- depthwise (K = multiplier M)

// depthwiseConv2dForward(backend, out, inp, kernel, bias|null, ...conv geometry, actKind, actAlpha)
Napi::Value DepthwiseConv2dForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = conv_params(a, 5);
  p.act = act_params(a, 5 + kConvGeometry);
  const int64_t CM = mul_sat(p.C, p.K);
  float* out = a.floats(1, "out", out_len(p, CM));
  const float* inp = a.floats(2, "inp", in_len(p));
  const float* kernel = a.floats(3, "kernel", kernel_len(p));
  const float* bias = a.floats_or_null(4, "bias", CM);
  check_status(a.env(), a.op(), require_op(a, be, be.depthwise_conv2d_forward)(out, inp, kernel, bias, &p));
  return info.Env().Undefined();
}

// depthwiseConv2dBackward(backend, dinp|null, dkernel|null, dbias|null, dout, inp, kernel, ...conv geometry)
Napi::Value DepthwiseConv2dBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = conv_params(a, 7);
  const int64_t CM = mul_sat(p.C, p.K);
  float* dinp = a.floats_or_null(1, "dinp", in_len(p));
  float* dkernel = a.floats_or_null(2, "dkernel", kernel_len(p));
  float* dbias = a.floats_or_null(3, "dbias", CM);
  const float* dout = a.floats(4, "dout", out_len(p, CM));
  const float* inp = a.floats(5, "inp", in_len(p));
  const float* kernel = a.floats(6, "kernel", kernel_len(p));
  check_status(a.env(), a.op(),
               require_op(a, be, be.depthwise_conv2d_backward)(dinp, dkernel, dbias, dout, inp, kernel, &p));
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- pooling

// maxPool2dForward(backend, out, inp, ...pool geometry)
Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = pool_params(a, 3);
  float* out = a.floats(1, "out", out_len(p, p.C));
  const float* inp = a.floats(2, "inp", in_len(p));
  check_status(a.env(), a.op(), require_op(a, be, be.max_pool2d_forward)(out, inp, &p));
  return info.Env().Undefined();
}

// maxPool2dBackward and maxPool2dReluBackward(backend, dinp, dout, inp, ...pool geometry): the
// same arguments for two table entries (the second writes the gradient at the ReLU's input).
using MaxPoolBackward = kerno_status (*)(float*, const float*, const float*, const kerno_conv2d_params*);
template <MaxPoolBackward kerno_backend::*Op>
Napi::Value MaxPool2dBackwardOf(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = pool_params(a, 4);
  float* dinp = a.floats(1, "dinp", in_len(p));
  const float* dout = a.floats(2, "dout", out_len(p, p.C));
  const float* inp = a.floats(3, "inp", in_len(p));
  check_status(a.env(), a.op(), require_op(a, be, be.*Op)(dinp, dout, inp, &p));
  return info.Env().Undefined();
}

// avgPool2dForward(backend, out, inp, ...pool geometry)
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = pool_params(a, 3);
  float* out = a.floats(1, "out", out_len(p, p.C));
  const float* inp = a.floats(2, "inp", in_len(p));
  check_status(a.env(), a.op(), require_op(a, be, be.avg_pool2d_forward)(out, inp, &p));
  return info.Env().Undefined();
}

// avgPool2dBackward(backend, dinp, dout, ...pool geometry)
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_conv2d_params p = pool_params(a, 3);
  float* dinp = a.floats(1, "dinp", in_len(p));
  const float* dout = a.floats(2, "dout", out_len(p, p.C));
  check_status(a.env(), a.op(), require_op(a, be, be.avg_pool2d_backward)(dinp, dout, &p));
  return info.Env().Undefined();
}

// Global pooling: inp (B,S,C), out (B,C).
using GlobalFwd = kerno_status (*)(float*, const float*, int64_t, int64_t, int64_t);

// globalAvgPoolForward / globalMaxPoolForward(backend, out, inp, B, S, C)
template <GlobalFwd kerno_backend::*Member>
Napi::Value GlobalPoolForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t B = a.size(3, "B"), S = a.size(4, "S"), C = a.size(5, "C");
  float* out = a.floats(1, "out", mul_sat(B, C));
  const float* inp = a.floats(2, "inp", mul_sat(mul_sat(B, S), C));
  check_status(a.env(), a.op(), require_op(a, be, be.*Member)(out, inp, B, S, C));
  return info.Env().Undefined();
}

// globalAvgPoolBackward(backend, dinp, dout, B, S, C)
Napi::Value GlobalAvgPoolBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t B = a.size(3, "B"), S = a.size(4, "S"), C = a.size(5, "C");
  float* dinp = a.floats(1, "dinp", mul_sat(mul_sat(B, S), C));
  const float* dout = a.floats(2, "dout", mul_sat(B, C));
  check_status(a.env(), a.op(), require_op(a, be, be.global_avg_pool_backward)(dinp, dout, B, S, C));
  return info.Env().Undefined();
}

// globalMaxPoolBackward(backend, dinp, dout, inp, B, S, C)
Napi::Value GlobalMaxPoolBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t B = a.size(4, "B"), S = a.size(5, "S"), C = a.size(6, "C");
  const int64_t n = mul_sat(mul_sat(B, S), C);
  float* dinp = a.floats(1, "dinp", n);
  const float* dout = a.floats(2, "dout", mul_sat(B, C));
  const float* inp = a.floats(3, "inp", n);
  check_status(a.env(), a.op(), require_op(a, be, be.global_max_pool_backward)(dinp, dout, inp, B, S, C));
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- batch normalization

// batchnormForwardTrain(backend, out, savedMean|null, savedInvstd|null, movingMean|null,
//   movingVar|null, inp, gamma|null, beta|null, N, C, momentum, epsilon)
Napi::Value BatchnormForwardTrain(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_batchnorm_params p{a.size(9, "N"), a.size(10, "C"), a.f32(11, "momentum"), a.f32(12, "epsilon")};
  const int64_t NC = mul_sat(p.N, p.C);
  float* out = a.floats(1, "out", NC);
  float* saved_mean = a.floats_or_null(2, "savedMean", p.C);
  float* saved_invstd = a.floats_or_null(3, "savedInvstd", p.C);
  float* moving_mean = a.floats_or_null(4, "movingMean", p.C);
  float* moving_var = a.floats_or_null(5, "movingVar", p.C);
  const float* inp = a.floats(6, "inp", NC);
  const float* gamma = a.floats_or_null(7, "gamma", p.C);
  const float* beta = a.floats_or_null(8, "beta", p.C);
  check_status(a.env(), a.op(),
               require_op(a, be, be.batchnorm_forward_train)(out, saved_mean, saved_invstd, moving_mean, moving_var,
                                                             inp, gamma, beta, &p));
  return info.Env().Undefined();
}

// batchnormForwardInfer(backend, out, inp, gamma|null, beta|null, movingMean, movingVar, N, C, epsilon)
Napi::Value BatchnormForwardInfer(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_batchnorm_params p{a.size(7, "N"), a.size(8, "C"), 0.f, a.f32(9, "epsilon")};
  const int64_t NC = mul_sat(p.N, p.C);
  float* out = a.floats(1, "out", NC);
  const float* inp = a.floats(2, "inp", NC);
  const float* gamma = a.floats_or_null(3, "gamma", p.C);
  const float* beta = a.floats_or_null(4, "beta", p.C);
  const float* moving_mean = a.floats(5, "movingMean", p.C);
  const float* moving_var = a.floats(6, "movingVar", p.C);
  check_status(a.env(), a.op(),
               require_op(a, be, be.batchnorm_forward_infer)(out, inp, gamma, beta, moving_mean, moving_var, &p));
  return info.Env().Undefined();
}

// batchnormBackward(backend, dinp|null, dgamma|null, dbeta|null, dout, inp, gamma|null, savedMean,
//   savedInvstd, N, C). The saved statistics carry epsilon, so it is not an argument.
Napi::Value BatchnormBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_batchnorm_params p{a.size(9, "N"), a.size(10, "C"), 0.f, 0.f};
  const int64_t NC = mul_sat(p.N, p.C);
  float* dinp = a.floats_or_null(1, "dinp", NC);
  float* dgamma = a.floats_or_null(2, "dgamma", p.C);
  float* dbeta = a.floats_or_null(3, "dbeta", p.C);
  const float* dout = a.floats(4, "dout", NC);
  const float* inp = a.floats(5, "inp", NC);
  const float* gamma = a.floats_or_null(6, "gamma", p.C);
  const float* saved_mean = a.floats(7, "savedMean", p.C);
  const float* saved_invstd = a.floats(8, "savedInvstd", p.C);
  check_status(a.env(), a.op(),
               require_op(a, be, be.batchnorm_backward)(dinp, dgamma, dbeta, dout, inp, gamma, saved_mean,
                                                        saved_invstd, &p));
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- dropout

// dropoutForward(backend, out, mask, inp, rate, seed, offset); N = inp.length
Napi::Value DropoutForward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  float rate = a.f32(4, "rate");
  uint64_t seed = a.u64(5, "seed"), offset = a.u64(6, "offset");
  int64_t N = 0;
  const float* inp = a.floats(3, "inp", &N);
  float* out = a.floats(1, "out", N);
  float* mask = a.floats(2, "mask", N);
  check_status(a.env(), a.op(), require_op(a, be, be.dropout_forward)(out, mask, inp, N, rate, seed, offset));
  return info.Env().Undefined();
}

// dropoutBackward(backend, dinp, dout, mask); N = dout.length
Napi::Value DropoutBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t N = 0;
  const float* dout = a.floats(2, "dout", &N);
  float* dinp = a.floats(1, "dinp", N);
  const float* mask = a.floats(3, "mask", N);
  check_status(a.env(), a.op(), require_op(a, be, be.dropout_backward)(dinp, dout, mask, N));
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- padding, cropping, upsampling

// Pad geometry from position i: B, H, W, C (the smaller tensor), top, bottom, left, right.
kerno_pad2d_params pad_params(const Args& a, size_t i) {
  kerno_pad2d_params p{};
  p.B = a.size(i, "B");
  p.H = a.size(i + 1, "H");
  p.W = a.size(i + 2, "W");
  p.C = a.size(i + 3, "C");
  p.top = geometry(a, i + 4, "top", false);
  p.bottom = geometry(a, i + 5, "bottom", false);
  p.left = geometry(a, i + 6, "left", false);
  p.right = geometry(a, i + 7, "right", false);
  return p;
}
int64_t small_len(const kerno_pad2d_params& p) { return elems4(p.B, p.H, p.W, p.C); }
int64_t big_len(const kerno_pad2d_params& p) {
  return elems4(p.B, add_sat(add_sat(p.H, p.top), p.bottom), add_sat(add_sat(p.W, p.left), p.right), p.C);
}

using PadFn = kerno_status (*)(float*, const float*, const kerno_pad2d_params*);

// zeroPad2dForward / crop2dBackward write or accumulate the larger tensor from the smaller one;
// zeroPad2dBackward / crop2dForward the reverse. (backend, dst, src, B, H, W, C, top, bottom, left, right)
template <PadFn kerno_backend::*Member, bool kDstIsLarger, bool kForward>
Napi::Value Pad2d(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  kerno_pad2d_params p = pad_params(a, 3);
  const int64_t big = big_len(p), small = small_len(p);
  float* dst = a.floats(1, kForward ? "out" : "dinp", kDstIsLarger ? big : small);
  const float* src = a.floats(2, kForward ? "inp" : "dout", kDstIsLarger ? small : big);
  check_status(a.env(), a.op(), require_op(a, be, be.*Member)(dst, src, &p));
  return info.Env().Undefined();
}

using UpFn = kerno_status (*)(float*, const float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);

// upsample2dForward(backend, out, inp, B, H, W, C, sh, sw) / upsample2dBackward(backend, dinp, dout, ...)
template <UpFn kerno_backend::*Member, bool kForward>
Napi::Value Upsample2d(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  int64_t B = a.size(3, "B"), H = a.size(4, "H"), W = a.size(5, "W"), C = a.size(6, "C");
  int64_t sh = geometry(a, 7, "sh", false), sw = geometry(a, 8, "sw", false);
  const int64_t small = elems4(B, H, W, C), big = elems4(B, mul_sat(H, sh), mul_sat(W, sw), C);
  float* dst = a.floats(1, kForward ? "out" : "dinp", kForward ? big : small);
  const float* src = a.floats(2, kForward ? "inp" : "dout", kForward ? small : big);
  check_status(a.env(), a.op(), require_op(a, be, be.*Member)(dst, src, B, H, W, C, sh, sw));
  return info.Env().Undefined();
}

}  // namespace

void register_conv_ops(Napi::Env env, Napi::Object exports) {
  Export<Conv2dForward>(env, exports, "conv2dForward");
  Export<Conv2dBackwardData>(env, exports, "conv2dBackwardData");
  Export<Conv2dBackwardFilter>(env, exports, "conv2dBackwardFilter");
  Export<DepthwiseConv2dForward>(env, exports, "depthwiseConv2dForward");
  Export<DepthwiseConv2dBackward>(env, exports, "depthwiseConv2dBackward");
  Export<MaxPool2dForward>(env, exports, "maxPool2dForward");
  Export<MaxPool2dBackwardOf<&kerno_backend::max_pool2d_backward>>(env, exports, "maxPool2dBackward");
  Export<MaxPool2dBackwardOf<&kerno_backend::max_pool2d_relu_backward>>(env, exports, "maxPool2dReluBackward");
  Export<AvgPool2dForward>(env, exports, "avgPool2dForward");
  Export<AvgPool2dBackward>(env, exports, "avgPool2dBackward");
  Export<GlobalPoolForward<&kerno_backend::global_avg_pool_forward>>(env, exports, "globalAvgPoolForward");
  Export<GlobalAvgPoolBackward>(env, exports, "globalAvgPoolBackward");
  Export<GlobalPoolForward<&kerno_backend::global_max_pool_forward>>(env, exports, "globalMaxPoolForward");
  Export<GlobalMaxPoolBackward>(env, exports, "globalMaxPoolBackward");
  Export<BatchnormForwardTrain>(env, exports, "batchnormForwardTrain");
  Export<BatchnormForwardInfer>(env, exports, "batchnormForwardInfer");
  Export<BatchnormBackward>(env, exports, "batchnormBackward");
  Export<DropoutForward>(env, exports, "dropoutForward");
  Export<DropoutBackward>(env, exports, "dropoutBackward");
  Export<Pad2d<&kerno_backend::zero_pad2d_forward, true, true>>(env, exports, "zeroPad2dForward");
  Export<Pad2d<&kerno_backend::zero_pad2d_backward, false, false>>(env, exports, "zeroPad2dBackward");
  Export<Pad2d<&kerno_backend::crop2d_forward, false, true>>(env, exports, "crop2dForward");
  Export<Pad2d<&kerno_backend::crop2d_backward, true, false>>(env, exports, "crop2dBackward");
  Export<Upsample2d<&kerno_backend::upsample2d_forward, true>>(env, exports, "upsample2dForward");
  Export<Upsample2d<&kerno_backend::upsample2d_backward, false>>(env, exports, "upsample2dBackward");
}

}  // namespace kerno_binding
