// Aligned host memory for packed GEMM panels and other scratch buffers.
#ifndef KERNO_RUNTIME_ALIGNED_ALLOC_H
#define KERNO_RUNTIME_ALIGNED_ALLOC_H

#include <cstddef>

namespace kerno {

constexpr size_t kAlignment = 64;  // a cache line, and an AVX-512 register

// Returns nullptr on failure (never throws). Free with aligned_free.
void* aligned_alloc_bytes(size_t bytes, size_t alignment = kAlignment);
void aligned_free(void* p);

// Per-thread scratch that grows on demand and is reused across calls, so steady-state kernels
// allocate nothing. `slot` separates independent buffers used at the same time (0..3).
// Slots 2 and 3 belong to the GEMM (its packed panels); other kernels use 0 and 1.
// Returns nullptr when the allocation fails.
float* thread_scratch(int slot, size_t floats);

}  // namespace kerno

#endif
