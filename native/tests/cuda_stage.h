// The staging of one device-backend call for the host-pointer adapter (cuda_staged.cc): the
// buffer-size arithmetic of the kernel parameters and Stage, which copies a call's buffers to
// the device, runs it and copies the writable ones back. See cuda_staged.h for the contract.
#ifndef KERNO_TESTS_CUDA_STAGE_H
#define KERNO_TESTS_CUDA_STAGE_H

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "kerno/kernels.h"

namespace kt::staging {

constexpr size_t kMaxStagedBytes = size_t{1} << 30;  // per call: more is treated as invalid sizes

// Element count of a buffer from its dimensions: -1 when a dimension is negative or the product
// overflows (the kernel must then reject the call; the adapter passes a scratch pointer).
inline int64_t count(std::initializer_list<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return -1;
    if (d != 0 && n > INT64_MAX / d) return -1;
    n *= d;
  }
  return n;
}

// (rows − 1)·ld + cols: the span of a row-major matrix with leading dimension ld.
inline int64_t span(int64_t rows, int64_t cols, int64_t ld) {
  if (rows <= 0 || cols <= 0 || ld < 0) return rows == 0 || cols == 0 ? 0 : -1;
  int64_t head = count({rows - 1, ld});
  return head < 0 || head > INT64_MAX - cols ? -1 : head + cols;
}

// The buffers of one call: registered with their host address and size, copied to the device
// by commit(), copied back (writable ones) and freed by finish() / the destructor.
class Stage {
 public:
  explicit Stage(const kerno_backend* dev, void* scratch) : dev_(dev), scratch_(scratch) {}
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;
  ~Stage() {
    for (Entry& e : entries_) dev_->mem_free(e.device);
  }

  // A read-only (in) or read-write (io) buffer of `n` elements of `elem` bytes.
  void in(const void* host, int64_t n, size_t elem = sizeof(float)) { add(host, n, elem, false); }
  void io(void* host, int64_t n, size_t elem = sizeof(float)) { add(host, n, elem, true); }

  // The device pointer standing for `host` (valid inside call()).
  template <class T>
  T* dev(T* host) const {
    if (!host) return nullptr;
    for (const Entry& e : entries_)
      if (e.host == host && e.device) return static_cast<T*>(e.device);
    return static_cast<T*>(scratch_);  // size zero, not computable, or not staged (below)
  }

  // Uploads, runs `kernel`, synchronizes, downloads the writable buffers when all went well.
  template <class F>
  kerno_status call(F kernel) {
    // Sizes no test's host buffers can have: parameters the kernel must reject (e.g. H = 2^40).
    // Copying them would read far past the caller's arrays, so the kernel gets scratch pointers
    // and must refuse; accepting such a call is an error of the adapter's own.
    size_t total = 0;
    for (const Entry& e : entries_) total += e.bytes > kMaxStagedBytes ? kMaxStagedBytes : e.bytes;
    if (total >= kMaxStagedBytes) {
      kerno_status s = kernel();
      if (dev_->synchronize) dev_->synchronize();
      return s == KERNO_OK ? KERNO_ERR_INTERNAL : s;
    }
    for (Entry& e : entries_) {
      kerno_status s = dev_->mem_alloc(&e.device, e.bytes);
      if (s == KERNO_OK) s = dev_->mem_upload(e.device, e.host, e.bytes);
      if (s != KERNO_OK) return s;
    }
    kerno_status s = kernel();
    kerno_status sync = dev_->synchronize ? dev_->synchronize() : KERNO_OK;
    if (s == KERNO_OK) s = sync;
    if (s != KERNO_OK) return s;
    for (Entry& e : entries_)
      if (e.writable && (s = dev_->mem_download(const_cast<void*>(e.host), e.device, e.bytes)) != KERNO_OK) return s;
    return KERNO_OK;
  }

 private:
  struct Entry {
    const void* host;
    size_t bytes;
    bool writable;
    void* device = nullptr;
  };

  void add(const void* host, int64_t n, size_t elem, bool writable) {
    if (!host || n <= 0) return;
    size_t bytes = static_cast<size_t>(n) * elem;
    for (Entry& e : entries_)
      if (e.host == host) {  // the same buffer passed twice (an in-place call)
        e.bytes = bytes > e.bytes ? bytes : e.bytes;
        e.writable = e.writable || writable;
        return;
      }
    entries_.push_back(Entry{host, bytes, writable});
  }

  const kerno_backend* dev_;
  void* scratch_;
  std::vector<Entry> entries_;
};

// Buffer sizes of the conv-family parameters (see cuda_staged.h); -1 when p is NULL.
struct ConvSizes {
  int64_t inp = -1, out = -1, kernel = -1, bias = -1;
};
inline ConvSizes conv_sizes(const kerno_conv2d_params* p, bool depthwise) {
  ConvSizes s;
  if (!p) return s;
  int64_t out_ch = depthwise ? count({p->C, p->K}) : p->K;
  s.inp = count({p->B, p->H, p->W, p->C});
  s.out = count({p->B, p->OH, p->OW, out_ch});
  s.kernel = count({p->KH, p->KW, p->C, p->K});
  s.bias = out_ch;
  return s;
}
inline int64_t pool_out(const kerno_conv2d_params* p) { return p ? count({p->B, p->OH, p->OW, p->C}) : -1; }
inline int64_t pool_in(const kerno_conv2d_params* p) { return p ? count({p->B, p->H, p->W, p->C}) : -1; }
inline int64_t pad_small(const kerno_pad2d_params* p) { return p ? count({p->B, p->H, p->W, p->C}) : -1; }
inline int64_t pad_large(const kerno_pad2d_params* p) {
  if (!p) return -1;
  return count({p->B, p->H + p->top + p->bottom, p->W + p->left + p->right, p->C});
}

}  // namespace kt::staging

#endif
