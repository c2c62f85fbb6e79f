// What the python kernel's workers cost to come into being, beside the bare threads and
// processes `parlab primitives` times: bringing the embedded interpreter up (each rank pays
// it once), and what the seeds' `multiprocessing` pays per worker process, which MPI ranks
// do not (an MPI rank's interpreter starts once, with the job).
#include <fmt/format.h>

#include "core/clock.h"
#include "kernels/python_embed.h"
#include "kernels/python_interpreter.h"
#include "kernels/python_tasks.h"

namespace parlab::python {
namespace {

constexpr int kForkTimes = 20;
constexpr int kSpawnTimes = 5;

// The driver's start_join_seconds under one start method.
StartupCost Multiprocessing(const char* method, int times) {
  StartupCost cost{fmt::format("multiprocessing_{}_s", method),
                   fmt::format("multiprocessing.get_context('{}').Process(target=os.getpid): "
                               "start() + join(), median of {}{}", method, times,
                               std::string(method) == "spawn"
                                   ? std::string(" (a new ") + PARLAB_PYTHON_PROGRAM +
                                         " that imports multiprocessing)"
                                   : " (a copy of this rank's process)"),
                   -1};
  try {
    const Ref result = CallDriver(
        "start_join_seconds", Check(Py_BuildValue("(sis)", method, times, PARLAB_PYTHON_PROGRAM),
                                    "multiprocessing"), "multiprocessing");
    cost.seconds = PyFloat_AsDouble(result.get());
  } catch (const PythonError& e) {
    cost.unavailable = std::string("fails here: ") + e.what();
  }
  return cost;
}

}  // namespace

std::vector<StartupCost> MeasureStartupCosts() {
  std::vector<StartupCost> costs;
  StartupCost start{"interpreter_start_s",
                    "the embedded interpreter brought up with parlab's driver and its imports "
                    "(once per rank, on first use)", -1};
  const bool was_running = Running();
  const double begin = NowSeconds();
  try {
    Start();
  } catch (const std::exception& e) {
    start.unavailable = e.what();
    costs.push_back(start);
    return costs;
  }
  if (was_running) start.unavailable = "the interpreter was already running";
  else start.seconds = NowSeconds() - begin;
  costs.push_back(start);
  Gil gil;
  costs.push_back(Multiprocessing("fork", kForkTimes));
  costs.push_back(Multiprocessing("spawn", kSpawnTimes));
  return costs;
}

}  // namespace parlab::python
