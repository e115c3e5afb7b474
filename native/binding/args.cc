#include "args.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <new>

#include "mirror.h"

namespace kerno_binding {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

const char* typed_array_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "typed array";
  }
}

void throw_if_failed(Napi::Env env, napi_status s) {
  if (s != napi_ok) throw Napi::Error::New(env);
}

const char* status_code(kerno_status s) {
  switch (s) {
    case KERNO_OK: return "KERNO_OK";
    case KERNO_ERR_INVALID_ARGUMENT: return "KERNO_ERR_INVALID_ARGUMENT";
    case KERNO_ERR_OUT_OF_MEMORY: return "KERNO_ERR_OUT_OF_MEMORY";
    case KERNO_ERR_UNSUPPORTED: return "KERNO_ERR_UNSUPPORTED";
    case KERNO_ERR_DEVICE: return "KERNO_ERR_DEVICE";
    default: return "KERNO_ERR_INTERNAL";
  }
}

}  // namespace

std::string describe(Napi::Env env, napi_value v) {
  napi_valuetype t;
  throw_if_failed(env, napi_typeof(env, v, &t));
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean:
    case napi_number:
    case napi_bigint:
      // Primitives: ToString runs no user code.
      return Napi::Value(env, v).ToString().Utf8Value();
    case napi_string: {
      std::string s = Napi::Value(env, v).As<Napi::String>().Utf8Value();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return "\"" + s + "\"";
    }
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_external: return "an external";
    default: break;
  }
  bool is = false;
  throw_if_failed(env, napi_is_typedarray(env, v, &is));
  if (is) {
    napi_typedarray_type type;
    size_t length;
    napi_value ab;
    throw_if_failed(env, napi_get_typedarray_info(env, v, &type, &length, nullptr, &ab, nullptr));
    bool detached = false;
    throw_if_failed(env, napi_is_detached_arraybuffer(env, ab, &detached));
    if (detached) return std::string("a detached ") + typed_array_name(type);
    return std::string("a ") + typed_array_name(type) + " of length " + std::to_string(length);
  }
  throw_if_failed(env, napi_is_array(env, v, &is));
  if (is) {
    uint32_t n = 0;
    throw_if_failed(env, napi_get_array_length(env, v, &n));
    return "an array of length " + std::to_string(n);
  }
  throw_if_failed(env, napi_is_dataview(env, v, &is));
  if (is) return "a DataView";
  throw_if_failed(env, napi_is_arraybuffer(env, v, &is));
  if (is) return "an ArrayBuffer";
  return "an object";
}

std::string Args::message(size_t i, const char* name, const std::string& expected) const {
  return std::string(op_) + ": argument \"" + name + "\" expected " + expected + ", received " +
         describe(env_, info_[i]) + ".";
}

void Args::type_error(size_t i, const char* name, const std::string& expected) const {
  throw Napi::TypeError::New(env_, message(i, name, expected));
}

void Args::range_error(size_t i, const char* name, const std::string& expected) const {
  throw Napi::RangeError::New(env_, message(i, name, expected));
}

double Args::number(size_t i, const char* name) const {
  Napi::Value v = info_[i];
  if (!v.IsNumber()) type_error(i, name, "a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t Args::size(size_t i, const char* name) const {
  Napi::Value v = info_[i];
  if (!v.IsNumber()) type_error(i, name, "a non-negative safe integer");
  double d = v.As<Napi::Number>().DoubleValue();
  // NaN fails every comparison, so it lands in the error branch too.
  if (!(d >= 0 && d <= kMaxSafeInteger && std::floor(d) == d))
    range_error(i, name, "a non-negative safe integer");
  return static_cast<int64_t>(d);
}

int32_t Args::int32(size_t i, const char* name) const {
  Napi::Value v = info_[i];
  if (!v.IsNumber()) type_error(i, name, "an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= std::numeric_limits<int32_t>::min() && d <= std::numeric_limits<int32_t>::max() &&
        std::floor(d) == d))
    range_error(i, name, "a 32-bit integer");
  return static_cast<int32_t>(d);
}

int32_t Args::flag(size_t i, const char* name) const {
  Napi::Value v = info_[i];
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  if (!v.IsNumber()) type_error(i, name, "a boolean or 0/1");
  return int32(i, name) != 0 ? 1 : 0;
}

float Args::f32(size_t i, const char* name) const { return static_cast<float>(number(i, name)); }

uint64_t Args::u64(size_t i, const char* name) const {
  Napi::Value v = info_[i];
  if (v.IsBigInt()) {
    bool lossless = false;
    uint64_t x = v.As<Napi::BigInt>().Uint64Value(&lossless);
    // Uint64Value wraps negatives and truncates values >= 2^64; both report lossless = false.
    if (!lossless) range_error(i, name, "a BigInt in [0, 2^64)");
    return x;
  }
  if (!v.IsNumber()) type_error(i, name, "a BigInt or a non-negative safe integer");
  return static_cast<uint64_t>(size(i, name));
}

Args::HostView Args::host_view(size_t i, const char* name) const {
  napi_value v = info_[i];
  bool is = false;
  throw_if_failed(env_, napi_is_typedarray(env_, v, &is));
  if (!is) type_error(i, name, "a Float32Array");
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  throw_if_failed(env_, napi_get_typedarray_info(env_, v, &type, &length, &data, &ab, nullptr));
  if (type != napi_float32_array) type_error(i, name, "a Float32Array");
  bool detached = false;
  throw_if_failed(env_, napi_is_detached_arraybuffer(env_, ab, &detached));
  if (detached) type_error(i, name, "a Float32Array that is not detached");
  return {static_cast<float*>(data), static_cast<int64_t>(length), ab};
}

float* Args::floats(size_t i, const char* name, int64_t min_len) const {
  HostView f = host_view(i, name);
  if (f.length < min_len)
    range_error(i, name, "a Float32Array of at least " + std::to_string(min_len) + " elements");
  return kernel_pointer(i, name, f);
}

float* Args::floats_or_null(size_t i, const char* name, int64_t min_len) const {
  Napi::Value v = info_[i];
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  HostView f = host_view(i, name);
  if (f.length < min_len)
    range_error(i, name, "a Float32Array of at least " + std::to_string(min_len) + " elements or null");
  return kernel_pointer(i, name, f);
}

float* Args::floats(size_t i, const char* name, int64_t* length) const {
  HostView f = host_view(i, name);
  *length = f.length;
  return kernel_pointer(i, name, f);
}

float* Args::kernel_pointer(size_t i, const char* name, const HostView& f) const {
  // Every op reads its backend (argument 0) first; should one not, resolving it here keeps a
  // device backend from ever receiving host pointers.
  if (!backend_) backend(0);
  if (!device_) return f.data;
  const size_t bytes = static_cast<size_t>(f.length) * sizeof(float);
  const Mirror* m = mirror_registry(env_)->find(reinterpret_cast<uintptr_t>(f.data), bytes);
  if (!m || m->backend != device_) {
    // An empty view needs no memory: a kernel given a zero count never dereferences it.
    if (f.length == 0) return nullptr;
    type_error(i, name,
               std::string("a Float32Array inside a device mirror of backend \"") + device_->name +
                   "\" (mirrorCreate)" +
                   (m ? std::string(", not one of backend \"") + m->backend->name + "\"" : std::string()));
  }
  return reinterpret_cast<float*>(static_cast<char*>(m->device) +
                                  (reinterpret_cast<uintptr_t>(f.data) - m->host));
}

double* Args::scalar_slot(double* host) const {
  if (!backend_) backend(0);
  if (!device_) return host;
  double* slot = mirror_registry(env_)->scalar_slot(*device_);
  if (!slot) throw_status(env_, op_, KERNO_ERR_OUT_OF_MEMORY, "out of device memory (8 bytes for a result)");
  return slot;
}

double Args::read_scalar(const double* out, double host) const {
  if (!device_) return host;
  check_status(env_, op_, device_->mem_download(&host, out, sizeof host));
  return host;
}

const kerno_backend& Args::backend(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsNumber()) type_error(i, "backend", "a backend index");
  double d = v.As<Napi::Number>().DoubleValue();
  int count = kerno_backend_count();
  const kerno_backend* be = nullptr;
  if (d >= 0 && d < count && std::floor(d) == d) be = kerno_backend_at(static_cast<int>(d));
  if (!be)
    range_error(i, "backend", "a backend index in [0, " + std::to_string(count) + ")");
  // A CUDA table still without its memory entries could only be handed host pointers.
  if (!is_device(*be) && be->name && std::strncmp(be->name, "cuda", 4) == 0)
    throw_status(env_, op_, KERNO_ERR_UNSUPPORTED,
                 std::string("backend \"") + be->name + "\" has no device memory functions");
  if (is_device(*be) && !(be->mem_free && be->mem_upload && be->mem_download && be->mem_zero && be->mem_copy))
    throw_status(env_, op_, KERNO_ERR_UNSUPPORTED,
                 std::string("backend \"") + (be->name ? be->name : "?") + "\" lacks some device memory functions");
  backend_ = be;
  device_ = is_device(*be) ? be : nullptr;
  return *be;
}

int64_t mul_sat(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::numeric_limits<int64_t>::max();
  return r;
}

int64_t add_sat(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::numeric_limits<int64_t>::max();
  return r;
}

int64_t matrix_span(int64_t rows, int64_t cols, int64_t ld) {
  if (rows <= 0 || cols <= 0) return 0;
  return add_sat(mul_sat(rows - 1, ld), cols);
}

void throw_status(Napi::Env env, const char* op, kerno_status s, const std::string& detail) {
  const char* text = kerno_status_string(s);
  std::string msg = std::string(op) + ": " + status_code(s) + " (" + (text ? text : "unknown") + ")";
  if (!detail.empty()) msg += ": " + detail;
  msg += ".";
  Napi::Error err = Napi::Error::New(env, msg);
  err.Set("code", Napi::String::New(env, status_code(s)));
  err.Set("status", Napi::String::New(env, text ? text : "unknown"));
  throw err;
}

void rethrow_as_js(Napi::Env env, const char* op) {
  try {
    try {
      throw;
    } catch (const std::bad_alloc&) {
      throw_status(env, op, KERNO_ERR_OUT_OF_MEMORY, "the binding could not allocate memory");
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw_status(env, op, KERNO_ERR_INTERNAL, e.what());
    } catch (...) {
      throw_status(env, op, KERNO_ERR_INTERNAL, "unknown C++ exception");
    }
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    // Building the error itself failed (memory exhausted): a bare error is better than dying.
    throw Napi::Error::New(env, "kerno: out of memory");
  }
}

void check_status(Napi::Env env, const char* op, kerno_status s) {
  if (s != KERNO_OK) throw_status(env, op, s, "");
}

}  // namespace kerno_binding
