// "device-sim": a simulated device backend for tests of the engine's device path.
//
// It runs the CPU kernels (host code), but its mem_* entries manage their own memory (aligned
// host allocations, copies), so its "device" memory is distinct from the JS arrays: an engine
// that forgets an upload or a download computes on stale data and the bitwise comparison with the
// CPU backend fails, exactly as it would on a GPU — without needing one.
//
// Testing aid only: registered when the environment variable KERNO_DEVICE_SIM=1 is set when the
// registry is first used (the addon's first call), and never by default. Not a public option of
// the TypeScript API; src/engine/device.ts lets `device: 'cuda'` resolve to it when no CUDA
// device exists, so the engine's device path can be tested on machines without a GPU.
#ifndef KERNO_RUNTIME_DEVICE_SIM_H
#define KERNO_RUNTIME_DEVICE_SIM_H

#include "kerno/kernels.h"

namespace kerno {

// Whether KERNO_DEVICE_SIM=1 asks for the simulated device (read once).
bool device_sim_requested();

// The simulated device's table: `kernels`'s kernels with their own memory entries. Built once
// from the first call's `kernels` (the registry passes the default CPU backend).
const kerno_backend* device_sim_backend(const kerno_backend* kernels);

}  // namespace kerno

#endif
