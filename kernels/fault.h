// Misbehaves on purpose, to test how parlab handles failing kernels: a wrong result, an
// exception in setup or in a repetition, a hang in setup or in a repetition (on the last
// rank only, so the others must learn of it), slow repetitions, or no fault at all.
#pragma once
#include "core/kernel.h"

namespace parlab {
KernelInfo FaultKernelInfo();
}
