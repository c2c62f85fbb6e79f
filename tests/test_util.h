// Helpers to build runs by hand and measure them through the real engine path.
#pragma once

#include <gtest/gtest.h>
#include <mpi.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "harness/environment.h"
#include "harness/measure.h"
#include "harness/outcome.h"
#include "harness/run_spec.h"

namespace parlab {

// Readable statuses in gtest's failure messages.
inline std::ostream& operator<<(std::ostream& out, RunStatus status) {
  return out << kRunStatusNames.Name(status);
}

namespace testing_util {

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
  spec.max_repetitions = std::max(repetitions, spec.max_repetitions);
  spec.warmups = 0;
  spec.options.gil_interval_s = 0.001;
  return spec;
}

// The kernel's own small test case (KernelInfo::test_size and test_params), with string
// parameters named "dir" pointed at `dir`.
inline RunSpec TestSpec(const KernelInfo& info, const std::string& model, Shape shape,
                        const std::string& dir) {
  std::map<std::string, ParamValue> overrides = info.test_params;
  for (const ParamSpec& p : info.params)
    if (p.name == "dir" && p.type == ParamType::kString) overrides["dir"] = dir;
  return MakeSpec(info.name, model, shape, info.test_size, overrides);
}

inline Environment TestEnvironment() {
  Environment env;
  env.cores_online = 1 << 20;  // tests may oversubscribe on purpose; no warnings wanted
  return env;
}

// Measures on `comm` (collective). Every rank gets rank 0's outcome, as the engine shares it.
inline RunOutcome Measure(const RunSpec& spec, MPI_Comm comm) {
  std::vector<double> rows;
  static const Environment env = TestEnvironment();
  return ShareOutcome(comm, MeasureRun(spec, comm, env, rows),
                      {spec.shape.ranks, spec.shape.threads, spec.max_repetitions});
}

// A run of the python kernel's `task` (kernels/python_tasks.py).
inline RunSpec PythonTask(const std::string& task, const std::string& model, Shape shape,
                          std::int64_t size, std::map<std::string, ParamValue> params = {},
                          int repetitions = 2) {
  params["task"] = task;
  return MakeSpec("python", model, shape, size, std::move(params), repetitions);
}

// A run of the user's Python `function` (a coroutine under async) in the file `module`.
inline RunSpec PythonUserTask(const std::string& module, const std::string& function,
                              const std::string& model, Shape shape, std::int64_t size,
                              int repetitions = 2) {
  const char* key = model == "async" ? "coroutine" : "function";
  return PythonTask("user", model, shape, size, {{"module", module}, {key, function}},
                    repetitions);
}

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline double Result(const RunOutcome& outcome, const std::string& name) {
  if (const KernelResult* found = FindResult(outcome.results, name)) return found->value;
  ADD_FAILURE() << "no result '" << name << "'";
  return -1;
}

}  // namespace testing_util
}  // namespace parlab
