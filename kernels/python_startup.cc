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

// Median seconds of Process(target=os.getpid).start() + join() under one start method;
// spawn starts `executable` (an embedded interpreter's sys.executable is not a Python).
constexpr const char* kMultiprocessingSource = R"py(
import multiprocessing, os, statistics, time

def start_join_seconds(method, times, executable):
    context = multiprocessing.get_context(method)
    if method == "spawn":
        context.set_executable(executable)
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        worker = context.Process(target=os.getpid)
        worker.start()
        worker.join()
        seconds.append(time.perf_counter() - start)
        if worker.exitcode != 0:
            raise RuntimeError(f"a {method} worker exited with {worker.exitcode}")
    return statistics.median(seconds)
)py";

StartupCost Multiprocessing(const Ref& function, const char* method, int times) {
  StartupCost cost{fmt::format("multiprocessing_{}_s", method),
                   fmt::format("multiprocessing.get_context('{}').Process(target=os.getpid): "
                               "start() + join(), median of {}{}", method, times,
                               std::string(method) == "spawn"
                                   ? std::string(" (a new ") + PARLAB_PYTHON_PROGRAM +
                                         " that imports multiprocessing)"
                                   : " (a copy of this rank's process)"),
                   -1};
  Ref args(Py_BuildValue("(sis)", method, times, PARLAB_PYTHON_PROGRAM));
  Ref result(args ? PyObject_CallObject(function.get(), args.get()) : nullptr);
  if (!result) {
    cost.unavailable = "fails here: " + TakeError();
    return cost;
  }
  cost.seconds = PyFloat_AsDouble(result.get());
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
  Ref globals(PyDict_New());
  if (globals) PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins());
  Ref ran(globals ? PyRun_String(kMultiprocessingSource, Py_file_input, globals.get(),
                                 globals.get())
                  : nullptr);
  if (!ran) {
    const std::string error = "fails here: " + TakeError();
    for (const char* method : {"fork", "spawn"})
      costs.push_back({fmt::format("multiprocessing_{}_s", method), "multiprocessing", -1, error});
    return costs;
  }
  Ref function = Ref::Borrowed(PyDict_GetItemString(globals.get(), "start_join_seconds"));
  costs.push_back(Multiprocessing(function, "fork", kForkTimes));
  costs.push_back(Multiprocessing(function, "spawn", kSpawnTimes));
  return costs;
}

}  // namespace parlab::python
