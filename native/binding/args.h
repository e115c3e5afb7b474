// Argument marshalling for the N-API binding.
//
// The binding trusts nothing it receives: TypeScript validates shapes and domains first, but the
// raw addon is reachable from JS too, so every check here exists to keep native code inside the
// memory it was given (buffer types and lengths, detached buffers, integer ranges, backend ids).
// Domain errors that cannot touch memory (an unknown activation kind, lda < K, ...) are left to
// the kernels, which report them as status codes.
#ifndef KERNO_BINDING_ARGS_H
#define KERNO_BINDING_ARGS_H

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kerno/kernels.h"
#include "runtime/float_mode.h"

namespace kerno_binding {

void check_status(Napi::Env env, const char* op, kerno_status s);

// Reads the positional arguments of one call; `op` prefixes every message ("gemm: ...").
class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info)
      : info_(info), env_(info.Env()), op_(info.Data() ? static_cast<const char*>(info.Data()) : "kerno") {}

  Napi::Env env() const { return env_; }
  const char* op() const { return op_; }

  // A registry index; rejects ids outside [0, count). On a device backend (mem_alloc set), every
  // Float32Array read afterwards by floats()/floats_or_null() resolves to the device address of
  // the mirror covering it (mirror.h), and a view without one is a TypeError.
  const kerno_backend& backend(size_t i) const;

  // A safe integer >= 0 (sizes, element counts).
  int64_t size(size_t i, const char* name) const;
  // A safe integer inside int32 (enum kinds, which the kernels check themselves).
  int32_t int32(size_t i, const char* name) const;
  // A boolean, or a safe integer (0 = false), for the int32 flags of the parameter structs.
  int32_t flag(size_t i, const char* name) const;
  // Any number, narrowed to float as the kernels take it.
  float f32(size_t i, const char* name) const;
  // A BigInt that fits in uint64 exactly, or a safe integer >= 0 (RNG seed and offset).
  uint64_t u64(size_t i, const char* name) const;

  // A non-detached Float32Array holding at least `min_len` elements.
  float* floats(size_t i, const char* name, int64_t min_len) const;
  // Like floats(), but null or undefined give nullptr.
  float* floats_or_null(size_t i, const char* name, int64_t min_len) const;
  // A non-detached Float32Array of any length, returned in *length (for ops whose element count
  // is a buffer's length).
  float* floats(size_t i, const char* name, int64_t* length) const;

  // A non-detached Float32Array as it is in host memory (never resolved to a device address),
  // with its ArrayBuffer: for the mirror functions, which manage the host/device pairing itself.
  struct HostView {
    float* data;
    int64_t length;
    napi_value buffer;
  };
  HostView host_view(size_t i, const char* name) const;

  // Whether the call's backend (read by backend()) is a device backend: its pointers are device
  // addresses the binding cannot read.
  bool on_device() const { return device_ != nullptr; }

  // Runs `fn(out)` (a kernel writing one double) with `out` where that backend can write (a
  // device slot on device backends), checks the status and returns the value on the host.
  template <class Fn>
  double scalar_result(Fn fn) const {
    double host = 0;
    double* out = scalar_slot(&host);
    check_status(env_, op_, fn(out));
    return read_scalar(out, host);
  }

  // Throws a JS TypeError / RangeError: `<op>: argument "<name>" expected <what>, received <x>.`
  [[noreturn]] void type_error(size_t i, const char* name, const std::string& expected) const;
  [[noreturn]] void range_error(size_t i, const char* name, const std::string& expected) const;

 private:
  // The pointer a kernel of the call's backend takes for a checked view: the view's own data on
  // host backends, its mirror's device address on device backends.
  float* kernel_pointer(size_t i, const char* name, const HostView& f) const;
  double* scalar_slot(double* host) const;
  double read_scalar(const double* out, double host) const;
  double number(size_t i, const char* name) const;
  std::string message(size_t i, const char* name, const std::string& expected) const;

  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  const char* op_;
  // The backend of this call once backend() has read it; device_ is set for device backends.
  mutable const kerno_backend* backend_ = nullptr;
  mutable const kerno_backend* device_ = nullptr;
};

// Saturating arithmetic for required lengths: a product that overflows int64 can never be
// covered by a real buffer, so saturating makes the length check fail instead of wrapping.
int64_t mul_sat(int64_t a, int64_t b);
int64_t add_sat(int64_t a, int64_t b);
// Elements a (rows, cols) matrix with leading dimension ld spans: (rows-1)·ld + cols, or 0.
int64_t matrix_span(int64_t rows, int64_t cols, int64_t ld);

// Throws `Error` with `code` (e.g. 'KERNO_ERR_OUT_OF_MEMORY') and `status` (the kernel's status
// string) when s != KERNO_OK.
void check_status(Napi::Env env, const char* op, kerno_status s);
// Throws the same kind of error for a condition the binding detects itself.
[[noreturn]] void throw_status(Napi::Env env, const char* op, kerno_status s, const std::string& detail);

// Describes a JS value briefly for messages, in the format of src/errors.ts describe().
std::string describe(Napi::Env env, napi_value v);

// node-addon-api turns only Napi::Error into JS exceptions; anything else escaping a callback
// would terminate the process. Guard<F> maps every other C++ exception to a JS Error.
[[noreturn]] void rethrow_as_js(Napi::Env env, const char* op);

// Functions are created with their name as callback data, so messages can name the op.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  kerno::FlushDenormals float_mode;
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    const char* op = static_cast<const char*>(info.Data());
    rethrow_as_js(info.Env(), op ? op : "kerno");
  }
}

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<Guard<F>>(env, name, const_cast<char*>(name)));
}

// Registration of the exported functions (addon.cc, ops.cc).
void register_backend_functions(Napi::Env env, Napi::Object exports);
void register_ops(Napi::Env env, Napi::Object exports);

}  // namespace kerno_binding

#endif
