#include "core/kernel.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <tuple>

namespace parlab {
namespace {

std::vector<KernelInfo>& MutableTable() {
  static std::vector<KernelInfo> table;
  return table;
}

}  // namespace

KernelRegistration::KernelRegistration(KernelInfo (*describe)()) {
  std::vector<KernelInfo>& table = MutableTable();
  KernelInfo info = describe();
  if (FindKernel(info.name) != nullptr) {  // two plug-ins with one name: a build error, really
    std::fprintf(stderr, "parlab: two kernels register the name '%s'\n", info.name.c_str());
    std::abort();
  }
  const auto before = [](const KernelInfo& a, const KernelInfo& b) {
    return std::tie(a.bound, a.name) < std::tie(b.bound, b.name);
  };
  table.insert(std::upper_bound(table.begin(), table.end(), info, before), std::move(info));
}

const std::vector<KernelInfo>& KernelTable() { return MutableTable(); }

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

std::string KernelParams::Text(
    const std::function<bool(const std::string&, const ParamValue&)>& include) const {
  std::string text;
  for (const auto& [name, value] : values_) {
    if (include && !include(name, value)) continue;
    text += (text.empty() ? "" : ",") + name + "=" + FormatParamValue(value);
  }
  return text;
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
