#include "harness/run_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace parlab {

const KernelInfo& RunSpec::kernel_info() const {
  const KernelInfo* info = FindKernel(kernel);
  if (info == nullptr) throw std::logic_error("run " + id + ": no kernel '" + kernel + "'");
  return *info;
}

bool RunSpec::warms_up_every_block() const {
  return !kernel_info().steady_after_setup || io_stage.has_value();
}

const ExecutionModel& RunSpec::model_info() const {
  const ExecutionModel* info = FindModel(model);
  if (info == nullptr) throw std::logic_error("run " + id + ": no model '" + model + "'");
  return *info;
}

CheckContext RunSpec::check_context(int thread_level) const {
  const ExecutionModel& info = model_info();
  return {shape, info.event_loop(), thread_level, info.MakeLock(2, options) != nullptr};
}

std::string RunSpec::Label() const {
  const KernelInfo* info = FindKernel(kernel);
  // Labels name only what was chosen: parameters at their default are left out.
  const std::string chosen = params.Text([&](const std::string& name, const ParamValue& value) {
    return info == nullptr || std::none_of(info->params.begin(), info->params.end(),
                                           [&](const ParamSpec& p) {
                                             return p.name == name && p.default_value == value;
                                           });
  });
  std::string label = kernel;
  if (!chosen.empty()) label += "[" + chosen + "]";
  label += " size=" + std::to_string(params.size());
  if (io_stage) label += std::string(" io_stage=") + kIoModeNames.Name(io_stage->mode);
  return label;
}

std::string RunSpec::Fingerprint() const {
  const std::string all = params.Text();
  const std::string io =
      io_stage ? fmt::format("{}/{}/{}/{}", kIoModeNames.Name(io_stage->mode),
                             kIoLayoutNames.Name(io_stage->layout), io_stage->dir, io_stage->sync)
               : "none/shared-file//tmp/false";
  // Unbound runs keep the fingerprint they had before placements existed.
  const std::string where =
      bound() ? fmt::format(" placement={} smt={}", PlacementName(placement), smt) : "";
  return fmt::format("{} {} size={}{} {}x{} reps={} warmups={} min_time={} max_reps={} "
                     "gil_interval={} io={} precision={} max_time={} interleave={}{}",
                     kernel, model, params.size(), all.empty() ? "" : "," + all, shape.ranks,
                     shape.threads, repetitions, warmups, min_time_s, max_repetitions,
                     options.gil_interval_s, io, precision, max_time_s, interleave, where);
}

std::string RunSpec::PlacementText() const {
  if (!bound()) return PlacementName(placement);
  return PlacementName(placement) + (smt ? " smt" : "");
}

int Experiment::ranks_needed() const {
  int needed = 1;
  for (const auto& run : runs) needed = std::max(needed, run.shape.ranks);
  return needed;
}

}  // namespace parlab
