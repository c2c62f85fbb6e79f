// Does nothing: measures the harness's own cost per repetition.
#pragma once
#include "core/kernel.h"

namespace parlab {
KernelInfo EmptyKernelInfo();
}
