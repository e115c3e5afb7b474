// A host-pointer adapter for device backends ("staged-<name>", e.g. "staged-cuda").
//
// The native tests call every backend in the table with host pointers. A device backend (one that
// fills mem_alloc, e.g. "cuda") takes only device pointers, so kt::backends() hands the tests this
// adapter instead: each call
//   1. copies every buffer argument to a fresh device buffer (outputs and accumulated gradients
//      too, so a kernel that must leave some elements alone, or must accumulate, is checked);
//   2. calls the device backend's kernel with those device pointers (parameter structs stay host);
//   3. synchronizes (which also reports a deferred status, e.g. a bad sparse class index);
//   4. on success only, copies every writable buffer back; a rejected call writes nothing.
// The same host pointer passed twice (in-place calls: out == inp) maps to one device buffer.
// Distinct but overlapping host ranges are not supported (no test passes them).
// A NULL pointer stays NULL; a pointer whose size is zero or not computable (negative sizes, which
// the kernel must reject) is replaced by a small device scratch buffer, never by the host pointer.
// A call whose buffers would total 1 GiB or more is taken for invalid sizes (e.g. H = 2^40): it is
// not copied (that would read past the caller's arrays); the kernel gets scratch pointers and
// must reject it, and the adapter answers KERNO_ERR_INTERNAL if it does not.
//
// Buffer sizes come from the kernel's parameters as documented in kerno/kernels.h, in floats:
//   gemm: A (rows−1)·lda + cols with (rows, cols) = (K, M) if trans_a else (M, K), B likewise with
//         (N, K) / (K, N), C (M−1)·ldc + N;
//   dense: inp B·I, kernel I·U, bias U, out/dout B·U (dinp B·I, dkernel I·U, dbias U);
//   activation N; softmax R·C; loss: pred B·C, target B (sparse kinds) or B·C, weight and loss B,
//   dpred B·C; optimizer: param, grad and each slot N, each outer-product weight's u rows and v
//   cols; sum_squares: x N, out one double;
//   scale/clip/rng N; conv2d: inp B·H·W·C, out B·OH·OW·K, kernel KH·KW·C·K, bias K;
//   depthwise: out B·OH·OW·C·M, kernel KH·KW·C·M, bias C·M (M = p->K); pooling: inp B·H·W·C,
//   out B·OH·OW·C; global pooling: inp B·S·C, out B·C; batchnorm: N·C tensors and C vectors;
//   dropout N; pad/crop: smaller B·H·W·C, larger B·(H+top+bottom)·(W+left+right)·C;
//   upsample: inp B·H·W·C, out B·(H·sh)·(W·sw)·C.
#ifndef KERNO_TESTS_CUDA_STAGED_H
#define KERNO_TESTS_CUDA_STAGED_H

#include "kerno/kernels.h"

namespace kt {

// The adapter for `device` (a backend with mem_alloc), built on first use and kept; up to four
// distinct device backends. Returns `device` itself when it is not a device backend, and NULL
// when more than four are asked for.
const kerno_backend* staged_backend(const kerno_backend* device);

}  // namespace kt

#endif
