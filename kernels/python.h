// Real CPython code under parlab's execution models, by embedding the interpreter (one per
// rank): the classic Python claims (the GIL serialises computing but not waiting, processes
// compute in parallel, asyncio serves waits from one thread, a lock keeps a shared counter
// right) measured on CPython itself, with the harness's timing, phases and verification.
#pragma once
#include "core/kernel.h"

namespace parlab {
KernelInfo PythonKernelInfo();
}
