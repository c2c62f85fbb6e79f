// Latency-bound tasks: each task does optional CPU work, then a timed wait that stands
// for a network or disk round trip. Shows that threads help waiting, even under a lock.
#pragma once
#include "core/kernel.h"

namespace parlab {
KernelInfo WaitKernelInfo();
}
