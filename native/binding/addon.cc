// Module registration and the runtime functions: backend registry, thread count, CUDA devices.
#include <cstring>
#include <string>

#include "args.h"
#include "mirror.h"
#include "ops_conv.h"

namespace kerno_binding {

namespace {

// 'portable' | 'avx2' | 'avx512': the SIMD level of the default CPU backend, which already
// honours the KERNO_SIMD cap, so this reports what actually runs rather than what the CPU has.
const char* simd_level(const kerno_backend* cpu) {
  if (cpu && cpu->name) {
    if (std::strcmp(cpu->name, "cpu-avx512") == 0) return "avx512";
    if (std::strcmp(cpu->name, "cpu-avx2") == 0) return "avx2";
  }
  return "portable";
}

// The CUDA devices with their properties; a device whose query fails is listed with what is
// known (its index) rather than hidden, so the count matches cuda.devices.
Napi::Array DeviceList(Napi::Env env) {
  int n = kerno_cuda_device_count();
  Napi::Array list = Napi::Array::New(env, n > 0 ? n : 0);
  for (int i = 0; i < n; ++i) {
    kerno_cuda_device_props p{};
    bool ok = kerno_cuda_device_properties(i, &p) == KERNO_OK;
    Napi::Object d = Napi::Object::New(env);
    d.Set("index", Napi::Number::New(env, i));
    d.Set("name", Napi::String::New(env, ok ? p.name : "unknown"));
    // Exact up to 2^53 bytes (8 PiB): a Number is fine.
    d.Set("memoryBytes", Napi::Number::New(env, ok ? static_cast<double>(p.memory_bytes) : 0));
    d.Set("computeCapability",
          Napi::String::New(env, ok ? std::to_string(p.major) + "." + std::to_string(p.minor) : "unknown"));
    list.Set(static_cast<uint32_t>(i), d);
  }
  return list;
}

Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const kerno_backend* cpu = kerno_backend_cpu();
  int count = kerno_backend_count();
  Napi::Array names = Napi::Array::New(env, count > 0 ? count : 0);
  int default_index = 0;
  for (int i = 0; i < count; ++i) {
    const kerno_backend* be = kerno_backend_at(i);
    names.Set(static_cast<uint32_t>(i), Napi::String::New(env, be && be->name ? be->name : ""));
    if (be && be == cpu) default_index = i;
  }
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("built", Napi::Boolean::New(env, kerno_cuda_built() != 0));
  cuda.Set("devices", Napi::Number::New(env, kerno_cuda_device_count()));

  Napi::Object out = Napi::Object::New(env);
  out.Set("simd", Napi::String::New(env, simd_level(cpu)));
  out.Set("threads", Napi::Number::New(env, kerno_get_num_threads()));
  out.Set("physicalCores", Napi::Number::New(env, kerno_cpu_detect().physical_cores));
  out.Set("backends", names);
  out.Set("defaultBackend", Napi::Number::New(env, default_index));
  out.Set("cuda", cuda);
  out.Set("devices", DeviceList(env));
  return out;
}

// setNumThreads(n)
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Args a(info);
  int32_t n = a.int32(0, "n");
  check_status(info.Env(), a.op(), kerno_set_num_threads(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), kerno_get_num_threads());
}

}  // namespace

void register_backend_functions(Napi::Env env, Napi::Object exports) {
  Export<BackendInfo>(env, exports, "backendInfo");
  Export<SetNumThreads>(env, exports, "setNumThreads");
  Export<GetNumThreads>(env, exports, "getNumThreads");
}

}  // namespace kerno_binding

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  kerno_binding::register_backend_functions(env, exports);
  kerno_binding::register_ops(env, exports);
  kerno_binding::register_conv_ops(env, exports);
  kerno_binding::register_mirror_functions(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(kerno, Init)
