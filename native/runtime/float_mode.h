// Flush-to-zero / denormals-are-zero for kernel execution. Denormal floats are 10-100x slower on
// x86, and training produces them (Adam's first moment decays towards zero at small batches);
// TensorFlow flushes them too. The mode is set per native call and restored afterwards, so the
// JS engine sharing the calling thread keeps IEEE semantics.
#ifndef KERNO_RUNTIME_FLOAT_MODE_H
#define KERNO_RUNTIME_FLOAT_MODE_H

#if defined(__x86_64__) || defined(_M_X64) || defined(__SSE2__)
#include <xmmintrin.h>
#define KERNO_HAS_MXCSR 1
#endif

namespace kerno {

class FlushDenormals {
 public:
#if KERNO_HAS_MXCSR
  // MXCSR bit 15 = flush-to-zero, bit 6 = denormals-are-zero.
  static constexpr unsigned kBits = 0x8040u;
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kBits); }
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#else
  FlushDenormals() {}
#endif
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;
};

// For threads that only ever run kernels (the pool's workers): set once, never restored.
inline void flush_denormals_forever() {
#if KERNO_HAS_MXCSR
  _mm_setcsr(_mm_getcsr() | 0x8040u);
#endif
}

}  // namespace kerno

#endif
