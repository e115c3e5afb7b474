#ifndef KERNO_RUNTIME_CPU_FEATURES_H
#define KERNO_RUNTIME_CPU_FEATURES_H

#include "kerno/kernels.h"

namespace kerno {
// Cached result of kerno_cpu_detect() (cpuid + OS support for the register state).
const kerno_cpu_features& cpu_features();
}

#endif
