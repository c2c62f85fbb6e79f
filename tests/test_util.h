// Helpers to build runs by hand and measure them through the real engine path.
#pragma once

#include <mpi.h>

#include <map>
#include <string>
#include <vector>

#include "harness/run_spec.h"
#include "harness/engine.h"
#include "harness/environment.h"

namespace parlab::testing_util {

// A run of `kernel` with every parameter at its default except those in `overrides`.
inline RunSpec MakeSpec(const std::string& kernel, const std::string& model, Shape shape,
                        std::int64_t size, std::map<std::string, ParamValue> overrides = {},
                        int repetitions = 2) {
  const KernelInfo* info = FindKernel(kernel);
  std::map<std::string, ParamValue> values;
  for (const ParamSpec& p : info->params) values[p.name] = p.default_value;
  for (auto& [name, value] : overrides) values[name] = value;
  RunSpec spec;
  spec.id = "run-test";
  spec.kernel = kernel;
  spec.model = model;
  spec.shape = shape;
  spec.params = KernelParams(size, values);
  spec.repetitions = repetitions;
  spec.warmups = 0;
  spec.options.gil_interval_s = 0.001;
  return spec;
}

inline Environment TestEnvironment() {
  Environment env;
  env.cores_online = 1 << 20;  // tests may oversubscribe on purpose; no warnings wanted
  return env;
}

// Measures on `comm` (collective). Returns the record as rank 0 of comm sees it.
inline RunRecord Measure(const RunSpec& spec, MPI_Comm comm) {
  std::vector<double> rows;
  static const Environment env = TestEnvironment();
  RunRecord record = MeasureRun(spec, comm, env, rows);
  return record;
}

inline double Result(const RunRecord& record, const std::string& name) {
  for (const auto& r : record.results)
    if (r.name == name) return r.value;
  ADD_FAILURE() << "no result '" << name << "'";
  return -1;
}

}  // namespace parlab::testing_util
