#include "runtime/aligned_alloc.h"

#include <cstdlib>

namespace kerno {

void* aligned_alloc_bytes(size_t bytes, size_t alignment) {
  if (bytes == 0) bytes = alignment;
  void* p = nullptr;
#if defined(_WIN32)
  p = _aligned_malloc(bytes, alignment);
#else
  if (posix_memalign(&p, alignment, bytes) != 0) p = nullptr;
#endif
  return p;
}

void aligned_free(void* p) {
#if defined(_WIN32)
  _aligned_free(p);
#else
  free(p);
#endif
}

namespace {
constexpr int kSlots = 5;  // aligned_alloc.h lists them

struct Scratch {
  float* ptr[kSlots] = {};
  size_t cap[kSlots] = {};
  ~Scratch() {
    for (int i = 0; i < kSlots; ++i) aligned_free(ptr[i]);
  }
};
thread_local Scratch scratch;
}  // namespace

float* thread_scratch(int slot, size_t floats) {
  if (slot < 0 || slot >= kSlots) return nullptr;
  if (scratch.cap[slot] >= floats && scratch.ptr[slot]) return scratch.ptr[slot];
  // Grow by 1.5x so a slowly increasing request does not reallocate every call.
  size_t want = floats + floats / 2 + 64;
  void* p = aligned_alloc_bytes(want * sizeof(float));
  if (!p) return nullptr;
  aligned_free(scratch.ptr[slot]);
  scratch.ptr[slot] = static_cast<float*>(p);
  scratch.cap[slot] = want;
  return scratch.ptr[slot];
}

}  // namespace kerno
