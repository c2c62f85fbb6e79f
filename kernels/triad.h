// STREAM triad a = b + s*c over a global array split across ranks, then threads.
#pragma once
#include "core/kernel.h"

namespace parlab {
KernelInfo TriadKernelInfo();
}
