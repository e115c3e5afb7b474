// Device mirrors: how Float32Arrays reach a device backend's kernels.
//
// A device backend (one whose table fills mem_alloc, e.g. "cuda") takes only device pointers. The
// engine keeps its data in a few large host Float32Arrays (parameter, gradient and plan arenas,
// optimizer slots) and passes views of them to every op. `mirrorCreate(backend, array)` gives
// such a host region a device buffer of the same size (initialised from the host), registered by
// host address range; from then on, any view inside the region that is passed to an op on that
// backend resolves to the device address at the same offset. Data moves only when asked:
// `mirrorUpload(view)` / `mirrorDownload(view)` (any sub-range), plus `mirrorZero` and
// `mirrorCopy` that act on the device copy directly.
//
// A mirror lives until `mirrorFree(handle)` or until its handle is garbage-collected; the handle
// keeps its ArrayBuffer alive, so a registered host range is never reused by another buffer. A
// view that no mirror of the backend covers is a TypeError naming the argument, never a crash.
#ifndef KERNO_BINDING_MIRROR_H
#define KERNO_BINDING_MIRROR_H

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "kerno/kernels.h"

namespace kerno_binding {

// A host region and its device copy.
struct Mirror {
  const kerno_backend* backend = nullptr;
  uintptr_t host = 0;  // first byte of the host region
  size_t bytes = 0;
  void* device = nullptr;
};

// Mirrors of one Node environment (worker threads each have their own), keyed by host start.
// Regions never overlap, so at most one mirror contains a given view.
class MirrorRegistry {
 public:
  // The mirror whose region contains [host, host + bytes), or nullptr. An empty range matches a
  // region it touches (an empty view at the end of an arena).
  Mirror* find(uintptr_t host, size_t bytes) const;
  // A mirror whose region shares a byte with [host, host + bytes), or nullptr.
  Mirror* overlapping(uintptr_t host, size_t bytes) const;
  void add(Mirror* m) { by_start_[m->host] = m; }
  void remove(const Mirror* m);

  // An 8-byte device buffer of `be` for kernels that return a scalar (sum_squares), allocated on
  // first use and kept: clipnorm calls it per weight per step. nullptr when allocation fails.
  double* scalar_slot(const kerno_backend& be);
  ~MirrorRegistry();

 private:
  std::map<uintptr_t, Mirror*> by_start_;
  std::map<const kerno_backend*, void*> scalar_slots_;
};

// Whether `be` computes on device memory.
inline bool is_device(const kerno_backend& be) { return be.mem_alloc != nullptr; }

// The registry of `env`, created on first use. Handles share ownership, so it outlives every
// mirror even while the environment is torn down.
const std::shared_ptr<MirrorRegistry>& mirror_registry(Napi::Env env);

// mirrorCreate, mirrorFree, mirrorUpload, mirrorDownload, mirrorZero, mirrorCopy.
void register_mirror_functions(Napi::Env env, Napi::Object exports);

}  // namespace kerno_binding

#endif
