// The one table of kernels. Adding a kernel = one file pair + one line here.
#include "kernels/counter.h"
#include "kernels/dgemm.h"
#include "kernels/empty.h"
#include "kernels/fault.h"
#include "kernels/io.h"
#include "core/kernel.h"
#include "kernels/montecarlo.h"
#include "kernels/pingpong.h"
#if defined(PARLAB_PYTHON)
#include "kernels/python.h"
#endif
#include "kernels/stencil.h"
#include "kernels/triad.h"
#include "kernels/wait.h"

namespace parlab {

const std::vector<KernelInfo>& KernelTable() {
  static const std::vector<KernelInfo> table = {
      DgemmKernelInfo(),   MonteCarloKernelInfo(), TriadKernelInfo(),
      CounterKernelInfo(), WaitKernelInfo(),       EmptyKernelInfo(),
      StencilKernelInfo(), IoKernelInfo(),         PingPongKernelInfo(),
      FaultKernelInfo(),
#if defined(PARLAB_PYTHON)
      PythonKernelInfo(),
#endif
  };
  return table;
}

const KernelInfo* FindKernel(const std::string& name) {
  for (const KernelInfo& info : KernelTable())
    if (info.name == name) return &info;
  return nullptr;
}

}  // namespace parlab
