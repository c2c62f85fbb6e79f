#include "harness/run_spec.h"

#include <fmt/format.h>

#include <algorithm>

namespace parlab {

std::string RunSpec::Label() const {
  std::string label = kernel;
  std::string params_text;
  const KernelInfo* info = FindKernel(kernel);
  for (const auto& param : params.values()) {
    const bool is_default = info != nullptr && std::any_of(
        info->params.begin(), info->params.end(), [&](const ParamSpec& p) {
          return p.name == param.first && p.default_value == param.second;
        });
    if (is_default) continue;  // labels name only what was chosen
    params_text +=
        (params_text.empty() ? "" : ",") + param.first + "=" + FormatParamValue(param.second);
  }
  if (!params_text.empty()) label += "[" + params_text + "]";
  label += " size=" + std::to_string(params.size());
  if (io_stage != "none") label += " io_stage=" + io_stage;
  return label;
}

std::string RunSpec::Fingerprint() const {
  std::string params_text;
  for (const auto& [name, value] : params.values())
    params_text += "," + name + "=" + FormatParamValue(value);
  return fmt::format("{} {} size={}{} {}x{} reps={} warmups={} min_time={} max_reps={} "
                     "gil_interval={} io={}/{}/{}/{}",
                     kernel, model, params.size(), params_text, shape.ranks, shape.threads,
                     repetitions, warmups, min_time_s, max_repetitions, options.gil_interval_s,
                     io_stage, io_layout, io_dir, io_sync);
}

int Experiment::ranks_needed() const {
  int needed = 1;
  for (const auto& run : runs) needed = std::max(needed, run.shape.ranks);
  return needed;
}

}  // namespace parlab
