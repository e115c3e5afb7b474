// Device mirrors (see mirror.h): the registry and the JS functions that create, fill, read and free
// them. Every transfer is synchronous from JS's point of view where it matters: a download returns
// with the host copy written (mem_download is synchronous), and an upload's source may be
// overwritten as soon as the call returns (the backend consumes it before returning).
#include "mirror.h"

#include <string>

#include "args.h"

namespace kerno_binding {

// ------------------------------------------------------------------------------ registry

Mirror* MirrorRegistry::find(uintptr_t host, size_t bytes) const {
  auto it = by_start_.upper_bound(host);
  if (it == by_start_.begin()) return nullptr;
  Mirror* m = std::prev(it)->second;
  // host >= m->host by construction; the range must end inside the region.
  if (host - m->host > m->bytes || bytes > m->bytes - (host - m->host)) return nullptr;
  return m;
}

Mirror* MirrorRegistry::overlapping(uintptr_t host, size_t bytes) const {
  if (bytes == 0) return nullptr;
  // The region starting last before host + bytes is the only candidate: regions are disjoint.
  auto it = by_start_.lower_bound(host + bytes);
  if (it == by_start_.begin()) return nullptr;
  Mirror* m = std::prev(it)->second;
  return m->host + m->bytes > host ? m : nullptr;
}

void MirrorRegistry::remove(const Mirror* m) {
  auto it = by_start_.find(m->host);
  if (it != by_start_.end() && it->second == m) by_start_.erase(it);
}

double* MirrorRegistry::scalar_slot(const kerno_backend& be) {
  auto it = scalar_slots_.find(&be);
  if (it != scalar_slots_.end()) return static_cast<double*>(it->second);
  void* p = nullptr;
  if (be.mem_alloc(&p, sizeof(double)) != KERNO_OK || !p) return nullptr;
  scalar_slots_[&be] = p;
  return static_cast<double*>(p);
}

MirrorRegistry::~MirrorRegistry() {
  // At environment teardown; a failing free (a runtime already unloading) has nobody to tell.
  for (auto& [be, p] : scalar_slots_) be->mem_free(p);
}

namespace {

struct RegistryHolder {
  std::shared_ptr<MirrorRegistry> registry = std::make_shared<MirrorRegistry>();
};

}  // namespace

const std::shared_ptr<MirrorRegistry>& mirror_registry(Napi::Env env) {
  RegistryHolder* holder = env.GetInstanceData<RegistryHolder>();
  if (!holder) {
    holder = new RegistryHolder();
    env.SetInstanceData(holder);  // deleted by node-addon-api when the environment goes
  }
  return holder->registry;
}

// ------------------------------------------------------------------------------ handles

namespace {

// What a handle owns: the mirror, a strong reference to its ArrayBuffer (so the host range cannot
// be reused while the mirror is registered) and a share of the registry.
struct MirrorBox {
  std::shared_ptr<MirrorRegistry> registry;
  Mirror mirror;
  Napi::Reference<Napi::Value> buffer;
  bool live = true;

  // Unregisters and frees the device memory; idempotent. Returns the backend's status.
  kerno_status release(Napi::Env env) {
    if (!live) return KERNO_OK;
    live = false;
    registry->remove(&mirror);
    kerno_status s = mirror.backend->mem_free(mirror.device);
    Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(mirror.bytes));
    if (!buffer.IsEmpty()) buffer.Reset();
    return s;
  }
};

// Tags handles so a foreign external (or a forged object) is never cast to a MirrorBox.
constexpr napi_type_tag kMirrorTag = {0x6b65726e6f6d6972ULL, 0x726f722d68616e64ULL};

MirrorBox* unwrap(const Args& a, const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsExternal() || !v.As<Napi::External<MirrorBox>>().CheckTypeTag(&kMirrorTag))
    a.type_error(i, "handle", "a mirror handle returned by mirrorCreate");
  return v.As<Napi::External<MirrorBox>>().Data();
}

// The live mirror covering argument i (any backend) and the view's byte offset within it.
struct Located {
  const Mirror* mirror;
  size_t offset;
  size_t bytes;
  float* host;
};

Located locate(const Args& a, size_t i, const char* name) {
  Args::HostView v = a.host_view(i, name);
  const size_t bytes = static_cast<size_t>(v.length) * sizeof(float);
  const uintptr_t host = reinterpret_cast<uintptr_t>(v.data);
  const Mirror* m = mirror_registry(a.env())->find(host, bytes);
  if (!m) {
    if (bytes == 0) return {nullptr, 0, 0, v.data};  // nothing to move
    a.type_error(i, name, "a Float32Array inside a device mirror (mirrorCreate)");
  }
  return {m, host - m->host, bytes, v.data};
}

void* device_at(const Located& l) { return static_cast<char*>(l.mirror->device) + l.offset; }

// mirrorCreate(backend, array) -> handle. Allocates device memory for exactly the bytes of
// `array` (a view: its offset and length within its ArrayBuffer) and uploads them.
Napi::Value MirrorCreate(const Napi::CallbackInfo& info) {
  Args a(info);
  const kerno_backend& be = a.backend(0);
  if (!is_device(be))
    a.type_error(0, "backend", std::string("a device backend (one with device memory); \"") +
                                   (be.name ? be.name : "?") + "\" computes on host memory");
  Args::HostView v = a.host_view(1, "array");
  const size_t bytes = static_cast<size_t>(v.length) * sizeof(float);
  const uintptr_t host = reinterpret_cast<uintptr_t>(v.data);
  const std::shared_ptr<MirrorRegistry>& registry = mirror_registry(info.Env());
  if (const Mirror* other = registry->overlapping(host, bytes))
    a.type_error(1, "array",
                 "a Float32Array sharing no memory with an existing mirror (one of " +
                     std::to_string(other->bytes / sizeof(float)) + " floats on backend \"" + other->backend->name +
                     "\" overlaps it)");

  auto box = std::make_unique<MirrorBox>();
  box->registry = registry;
  box->mirror.backend = &be;
  box->mirror.host = host;
  box->mirror.bytes = bytes;
  kerno_status s = be.mem_alloc(&box->mirror.device, bytes);
  if (s == KERNO_OK && bytes > 0 && !box->mirror.device) s = KERNO_ERR_INTERNAL;
  if (s == KERNO_ERR_OUT_OF_MEMORY)
    throw_status(info.Env(), a.op(), s,
                 "out of device memory: backend \"" + std::string(be.name) + "\" could not allocate " +
                     std::to_string(bytes) + " bytes");
  check_status(info.Env(), a.op(), s);
  if (bytes > 0) {
    s = be.mem_upload(box->mirror.device, v.data, bytes);
    if (s != KERNO_OK) {
      be.mem_free(box->mirror.device);
      check_status(info.Env(), a.op(), s);
    }
  }
  box->buffer = Napi::Persistent(Napi::Value(info.Env(), v.buffer));
  // Empty regions are never looked up (find() lets empty views through), so they stay unlisted.
  if (bytes > 0) registry->add(&box->mirror);
  Napi::MemoryManagement::AdjustExternalMemory(info.Env(), static_cast<int64_t>(bytes));

  MirrorBox* raw = box.release();
  auto handle = Napi::External<MirrorBox>::New(info.Env(), raw, [](Napi::Env env, MirrorBox* b) {
    b->release(env);
    delete b;
  });
  handle.TypeTag(&kMirrorTag);
  return handle;
}

// mirrorFree(handle): frees the device memory now (the handle becomes inert; freeing twice is a no-op).
Napi::Value MirrorFree(const Napi::CallbackInfo& info) {
  Args a(info);
  MirrorBox* box = unwrap(a, info, 0);
  check_status(info.Env(), a.op(), box->release(info.Env()));
  return info.Env().Undefined();
}

// mirrorUpload(view): host → device for the bytes of `view`.
Napi::Value MirrorUpload(const Napi::CallbackInfo& info) {
  Args a(info);
  Located l = locate(a, 0, "view");
  if (l.mirror) check_status(info.Env(), a.op(), l.mirror->backend->mem_upload(device_at(l), l.host, l.bytes));
  return info.Env().Undefined();
}

// mirrorDownload(view): device → host for the bytes of `view`; returns when the host copy is written.
Napi::Value MirrorDownload(const Napi::CallbackInfo& info) {
  Args a(info);
  Located l = locate(a, 0, "view");
  if (l.mirror) check_status(info.Env(), a.op(), l.mirror->backend->mem_download(l.host, device_at(l), l.bytes));
  return info.Env().Undefined();
}

// mirrorZero(view): zeroes the device copy of `view` (the host copy is left as it is).
Napi::Value MirrorZero(const Napi::CallbackInfo& info) {
  Args a(info);
  Located l = locate(a, 0, "view");
  if (l.mirror) check_status(info.Env(), a.op(), l.mirror->backend->mem_zero(device_at(l), l.bytes));
  return info.Env().Undefined();
}

// mirrorCopy(dst, src): device-to-device copy of src's bytes into dst (same length, same backend).
Napi::Value MirrorCopy(const Napi::CallbackInfo& info) {
  Args a(info);
  Located dst = locate(a, 0, "dst");
  Located src = locate(a, 1, "src");
  if (dst.bytes != src.bytes)
    a.range_error(0, "dst", "a Float32Array of " + std::to_string(src.bytes / sizeof(float)) + " elements (as src)");
  if (!dst.mirror) return info.Env().Undefined();
  if (dst.mirror->backend != src.mirror->backend)
    a.type_error(1, "src", std::string("a Float32Array mirrored on backend \"") + dst.mirror->backend->name + "\" (as dst)");
  check_status(info.Env(), a.op(), dst.mirror->backend->mem_copy(device_at(dst), device_at(src), dst.bytes));
  return info.Env().Undefined();
}

}  // namespace

void register_mirror_functions(Napi::Env env, Napi::Object exports) {
  Export<MirrorCreate>(env, exports, "mirrorCreate");
  Export<MirrorFree>(env, exports, "mirrorFree");
  Export<MirrorUpload>(env, exports, "mirrorUpload");
  Export<MirrorDownload>(env, exports, "mirrorDownload");
  Export<MirrorZero>(env, exports, "mirrorZero");
  Export<MirrorCopy>(env, exports, "mirrorCopy");
}

}  // namespace kerno_binding
