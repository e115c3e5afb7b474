// Device memory of the CUDA backend: the one stream, a caching allocator, transfers, and the
// deferred status of device-side argument checks (common.cuh).
//
// Why a caching allocator: cudaMalloc/cudaFree cost tens of microseconds and cudaFree
// synchronises the device, so a training step that allocated its activations would stall on
// every step. Freed blocks go to a free list keyed by their size class and the next request
// of that class takes one back without calling the driver; in steady state (the same shapes
// every step) no step calls cudaMalloc.
//
// Why reuse without events is safe: every kernel and transfer runs on the single stream
// below, so work queued by the block's previous owner runs before any work queued by its next
// owner. (A caller that touched device memory from another stream would break this; kerno
// never does.)
//
// Size classes: requests are rounded up to 512 bytes, then to 8 steps per power of two (at
// most 12.5% slack), so nearby sizes (a last, smaller batch) still find a cached block.
//
// Out of memory: when cudaMalloc fails, the cache is returned to the driver and the call is
// retried once; a second failure is KERNO_ERR_OUT_OF_MEMORY (never an abort).
//
// The allocator's state is deliberately leaked at exit: freeing device memory from a static
// destructor would run after the CUDA runtime has been torn down.
#include <cuda_runtime.h>

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {

cudaStream_t stream() {
  // Non-blocking: no implicit synchronisation with the legacy default stream, which other
  // code in the process (a bench, a test) may use.
  static cudaStream_t s = [] {
    cudaStream_t created = nullptr;
    if (cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking) != cudaSuccess) {
      cudaGetLastError();
      created = nullptr;  // the legacy stream; every later call reports the missing device
    }
    return created;
  }();
  return s;
}

namespace {

// ---------------------------------------------------------------- deferred status
std::mutex g_slot_mu;
int* g_slot = nullptr;     // device int, 0 = no error
bool g_slot_used = false;  // skip the read-back while no kernel has ever asked for the slot

// Reads and clears the deferred status; KERNO_OK when none. Call after the stream is idle.
kerno_status take_deferred() {
  int* slot;
  {
    std::lock_guard<std::mutex> lock(g_slot_mu);
    if (!g_slot_used) return KERNO_OK;
    slot = g_slot;
  }
  int h = 0;
  KERNO_CUDA_TRY(to_status(cudaMemcpyAsync(&h, slot, sizeof h, cudaMemcpyDeviceToHost, stream())));
  KERNO_CUDA_TRY(to_status(cudaStreamSynchronize(stream())));
  if (h == 0) return KERNO_OK;
  KERNO_CUDA_TRY(to_status(cudaMemsetAsync(slot, 0, sizeof(int), stream())));
  return h == KERNO_ERR_INVALID_ARGUMENT || h == KERNO_ERR_UNSUPPORTED ? static_cast<kerno_status>(h)
                                                                       : KERNO_ERR_INTERNAL;
}

// Waits for the stream, then reports its errors and any deferred status.
kerno_status finish() {
  cudaError_t e = cudaStreamSynchronize(stream());
  if (e != cudaSuccess) {
    cudaGetLastError();
    return KERNO_ERR_DEVICE;  // a failed kernel (sticky) or a lost device
  }
  return take_deferred();
}

// ---------------------------------------------------------------- the caching allocator
size_t size_class(size_t bytes) {
  if (bytes <= 512) return 512;
  if (bytes > (SIZE_MAX >> 2)) return 0;  // cannot be rounded without overflow: no device has it
  int lg = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes - 1));  // bytes - 1 >= 512
  size_t step = size_t{1} << (lg - 3);
  return (bytes + step - 1) & ~(step - 1);
}

struct Allocator {
  std::mutex mu;
  std::unordered_map<void*, size_t> live;                     // allocated block -> its class size
  std::unordered_map<size_t, std::vector<void*>> free_lists;  // class size -> cached blocks
  size_t cached_bytes = 0;

  // Returns every cached block to the driver. Caller holds mu.
  kerno_status release_locked() {
    if (cached_bytes == 0) return KERNO_OK;
    // Work queued before a block was freed may still use it; cudaFree would wait for the device
    // anyway, this makes the ordering explicit.
    cudaError_t e = cudaStreamSynchronize(stream());
    for (auto& kv : free_lists)
      for (void* p : kv.second) cudaFree(p);
    free_lists.clear();
    cached_bytes = 0;
    return to_status(e);
  }
};

Allocator& allocator() {
  static Allocator* a = new Allocator;  // leaked on purpose (see the file comment)
  return *a;
}

}  // namespace

int* deferred_status_slot() {
  std::lock_guard<std::mutex> lock(g_slot_mu);
  if (!g_slot) {
    void* p = nullptr;
    if (cudaMalloc(&p, sizeof(int)) != cudaSuccess) {
      cudaGetLastError();
      return nullptr;
    }
    if (cudaMemsetAsync(p, 0, sizeof(int), stream()) != cudaSuccess) {
      cudaGetLastError();
      cudaFree(p);
      return nullptr;
    }
    g_slot = static_cast<int*>(p);
  }
  g_slot_used = true;
  return g_slot;
}

kerno_status mem_alloc(void** out, size_t bytes) {
  if (!out) return KERNO_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  if (bytes == 0) return KERNO_OK;
  size_t cls = size_class(bytes);
  if (cls == 0) return KERNO_ERR_OUT_OF_MEMORY;
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  auto it = a.free_lists.find(cls);
  if (it != a.free_lists.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    a.cached_bytes -= cls;
    a.live.emplace(p, cls);
    *out = p;
    return KERNO_OK;
  }
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, cls);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    a.release_locked();
    e = cudaMalloc(&p, cls);
  }
  if (e != cudaSuccess) return to_status(e);
  try {
    a.live.emplace(p, cls);
  } catch (...) {  // host out of memory for the bookkeeping
    cudaFree(p);
    return KERNO_ERR_OUT_OF_MEMORY;
  }
  *out = p;
  return KERNO_OK;
}

kerno_status mem_free(void* p) {
  if (!p) return KERNO_OK;
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  auto it = a.live.find(p);
  if (it == a.live.end()) return KERNO_ERR_INVALID_ARGUMENT;  // not a block mem_alloc returned
  size_t cls = it->second;
  a.live.erase(it);
  try {
    a.free_lists[cls].push_back(p);
    a.cached_bytes += cls;
  } catch (...) {  // cannot cache it: hand it back to the driver instead
    cudaStreamSynchronize(stream());
    cudaFree(p);
  }
  return KERNO_OK;
}

kerno_status release_cached_memory() {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  return a.release_locked();
}

// Host → device. Pageable sources are staged by the runtime before this returns, so the caller
// may reuse src_host at once; the copy itself is ordered with the kernels on the stream.
kerno_status mem_upload(void* dst_dev, const void* src_host, size_t bytes) {
  if (bytes == 0) return KERNO_OK;
  if (!dst_dev || !src_host) return KERNO_ERR_INVALID_ARGUMENT;
  return to_status(cudaMemcpyAsync(dst_dev, src_host, bytes, cudaMemcpyHostToDevice, stream()));
}

// Device → host, synchronous: waits for the kernels that produce src_dev, then reports any
// deferred status (dst_host's contents are then unspecified).
kerno_status mem_download(void* dst_host, const void* src_dev, size_t bytes) {
  if (bytes == 0) return KERNO_OK;
  if (!dst_host || !src_dev) return KERNO_ERR_INVALID_ARGUMENT;
  KERNO_CUDA_TRY(to_status(cudaMemcpyAsync(dst_host, src_dev, bytes, cudaMemcpyDeviceToHost, stream())));
  return finish();
}

kerno_status mem_zero(void* dst_dev, size_t bytes) {
  if (bytes == 0) return KERNO_OK;
  if (!dst_dev) return KERNO_ERR_INVALID_ARGUMENT;
  return to_status(cudaMemsetAsync(dst_dev, 0, bytes, stream()));
}

kerno_status mem_copy(void* dst_dev, const void* src_dev, size_t bytes) {
  if (bytes == 0) return KERNO_OK;
  if (!dst_dev || !src_dev) return KERNO_ERR_INVALID_ARGUMENT;
  return to_status(cudaMemcpyAsync(dst_dev, src_dev, bytes, cudaMemcpyDeviceToDevice, stream()));
}

kerno_status synchronize() { return finish(); }

}  // namespace kerno::cuda
