// Does nothing: measures the harness's own cost per repetition.
#pragma once
#include "kernel.h"

namespace parlab {
KernelInfo EmptyKernelInfo();
}
