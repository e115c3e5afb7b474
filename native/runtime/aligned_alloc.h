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
// allocate nothing. `slot` separates independent buffers used at the same time; a kernel may
// hold a slot only while it runs and must not call another kernel that uses the same slot.
// Returns nullptr when the allocation fails.
float* thread_scratch(int slot, size_t floats);

// Who uses which slot.
constexpr int kScratchTile = 0;   // each thread's working tile (im2col columns, window rows, Winograd tiles)
constexpr int kScratchCall = 1;   // the calling thread's per-call buffer (a transformed or flipped kernel,
                                  // the per-thread partial sums of a backward-filter)
constexpr int kScratchGemmA = 2;  // the GEMM's packed A blocks (gemm_driver.h)
constexpr int kScratchGemmB = 3;  // the GEMM's shared packed B
constexpr int kScratchZeros = 4;  // the direct convolutions' zero row, read by every thread

}  // namespace kerno

#endif
