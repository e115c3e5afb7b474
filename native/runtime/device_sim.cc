// The simulated device backend (see device_sim.h): CPU kernels over memory of its own.
#include "runtime/device_sim.h"

#include <cstdlib>
#include <cstring>

#include "runtime/aligned_alloc.h"

namespace kerno {
namespace {

// Device memory is 64-byte aligned host memory, as the CPU kernels like it; a real device's
// allocator aligns at least as much.
kerno_status sim_alloc(void** out, size_t bytes) {
  if (!out) return KERNO_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  if (bytes == 0) return KERNO_OK;
  void* p = aligned_alloc_bytes(bytes);
  if (!p) return KERNO_ERR_OUT_OF_MEMORY;
  *out = p;
  return KERNO_OK;
}

kerno_status sim_free(void* p) {
  aligned_free(p);
  return KERNO_OK;
}

// Transfers of zero bytes may carry null pointers (empty buffers); any other null is a bug.
kerno_status sim_copy(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return KERNO_OK;
  if (!dst || !src) return KERNO_ERR_INVALID_ARGUMENT;
  std::memmove(dst, src, bytes);
  return KERNO_OK;
}

kerno_status sim_zero(void* dst, size_t bytes) {
  if (bytes == 0) return KERNO_OK;
  if (!dst) return KERNO_ERR_INVALID_ARGUMENT;
  std::memset(dst, 0, bytes);
  return KERNO_OK;
}

// Host code runs synchronously: nothing is ever queued.
kerno_status sim_synchronize(void) { return KERNO_OK; }

}  // namespace

bool device_sim_requested() {
  static const bool requested = [] {
    const char* env = std::getenv("KERNO_DEVICE_SIM");
    return env != nullptr && std::strcmp(env, "1") == 0;
  }();
  return requested;
}

const kerno_backend* device_sim_backend(const kerno_backend* kernels) {
  static const kerno_backend table = [kernels] {
    kerno_backend b = *kernels;
    b.name = "device-sim";
    b.mem_alloc = sim_alloc;
    b.mem_free = sim_free;
    b.mem_upload = sim_copy;
    b.mem_download = sim_copy;
    b.mem_zero = sim_zero;
    b.mem_copy = sim_copy;
    b.synchronize = sim_synchronize;
    return b;
  }();
  return &table;
}

}  // namespace kerno
