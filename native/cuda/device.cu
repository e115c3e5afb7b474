// CUDA device discovery. The runtime is linked statically, so on a machine without a driver
// or GPU cudaGetDeviceCount fails and kerno reports zero devices instead of failing to load.
#include <cuda_runtime.h>

#include <cstring>

#include "kerno/kernels.h"

extern "C" int kerno_cuda_built(void) { return 1; }

extern "C" int kerno_cuda_device_count(void) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return 0;
  }
  return n;
}

// cudaGetDeviceProperties fills a large struct (hundreds of fields); backendInfo() needs four.
extern "C" kerno_status kerno_cuda_device_properties(int i, kerno_cuda_device_props* out) {
  if (!out || i < 0 || i >= kerno_cuda_device_count()) return KERNO_ERR_INVALID_ARGUMENT;
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) {
    cudaGetLastError();
    return KERNO_ERR_DEVICE;
  }
  std::memset(out, 0, sizeof *out);
  std::strncpy(out->name, prop.name, sizeof out->name - 1);
  out->memory_bytes = static_cast<uint64_t>(prop.totalGlobalMem);
  out->major = prop.major;
  out->minor = prop.minor;
  return KERNO_OK;
}
