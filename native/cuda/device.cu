// CUDA device discovery. The runtime is linked statically, so on a machine without a driver
// or GPU cudaGetDeviceCount fails and kerno reports zero devices instead of failing to load.
#include <cuda_runtime.h>

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
