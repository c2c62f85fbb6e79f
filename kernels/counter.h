// The shared-counter experiment: one group of workers adds 1, the other subtracts 1,
// n times each. Synchronised variants must end at exactly 0; `racy` shows lost updates.
#pragma once
#include "core/kernel.h"

namespace parlab {
KernelInfo CounterKernelInfo();
}
