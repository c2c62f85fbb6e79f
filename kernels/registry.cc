// The one table of kernels. Adding a kernel = one file pair + one line here.
#include <cstdio>

#include "counter.h"
#include "dgemm.h"
#include "empty.h"
#include "fault.h"
#include "io.h"
#include "kernel.h"
#include "montecarlo.h"
#include "pingpong.h"
#include "stencil.h"
#include "triad.h"
#include "wait.h"

namespace parlab {

const std::vector<KernelInfo>& KernelTable() {
  static const std::vector<KernelInfo> table = {
      DgemmKernelInfo(),   MonteCarloKernelInfo(), TriadKernelInfo(),
      CounterKernelInfo(), WaitKernelInfo(),       EmptyKernelInfo(),
      StencilKernelInfo(), IoKernelInfo(),         PingPongKernelInfo(),
      FaultKernelInfo(),
  };
  return table;
}

const KernelInfo* FindKernel(const std::string& name) {
  for (const KernelInfo& info : KernelTable())
    if (info.name == name) return &info;
  return nullptr;
}

double KernelParams::Double(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end() && std::holds_alternative<std::int64_t>(it->second))
    return static_cast<double>(std::get<std::int64_t>(it->second));
  return Get<double>(name);
}

std::string FormatParamValue(const ParamValue& value) {
  struct Visitor {
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%g", v);
      return buffer;
    }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace parlab
