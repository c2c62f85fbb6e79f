// Real CPython code under parlab's execution models, by embedding the interpreter (one per
// rank): the classic Python claims (the GIL serialises computing but not waiting, processes
// compute in parallel, asyncio serves waits from one thread, a lock keeps a shared counter
// right) measured on CPython itself, with the harness's timing, phases and verification.
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>

#include "core/collective.h"
#include "kernels/python_embed.h"
#include "kernels/python_interpreter.h"
#include "kernels/python_tasks.h"

namespace parlab {
namespace {

using python::Call;
using python::Ref;
using python::Task;
using python::Totals;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// What a call returned and what it cost its thread.
struct Outcome {
  long long done = 0;           // items done, or the ups of a pair task
  double value = 0;             // downs, shortest sleep, bytes or digests verified
  long long false_returns = 0;  // user task: calls that returned False
  double returned_sum = 0;      // user task: the numbers its calls returned
  double wall = 0;
  double cpu = 0;
};

class PythonKernel final : public Kernel {
 public:
  ~PythonKernel() override { ReleasePython(); }

  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    in_.n = params.size();
    in_.task = params.Choice("task", python::kTaskNames);
    event_loop_ = ctx.team.event_loop();
    bool emulated_lock = false;  // validation refuses such a model; a hand-made run is refused here
    ctx.team.Run([&](Worker& worker) {
      if (worker.id() == 0) emulated_lock = worker.shares_lock();
    });
    if (emulated_lock)
      throw std::runtime_error(
          "python: " + python::CheckTaskParams(params, {{1, ctx.team.size()}, false,
                                                        MPI_THREAD_MULTIPLE, true}));
    async_tasks_ = params.Int("async_tasks");
    in_.sleep_s = params.Double("sleep_ms") * 1e-3;
    in_.read_bytes = params.Int("read_kib") * 1024;
    in_.native = params.String("native");
    in_.native_bytes = params.Int("native_kib") * 1024;
    if (in_.task == Task::kFileRead)
      file_ = python::ScratchFile(params.String("dir"), in_.read_bytes);
    python::Gil gil;
    Ref sys = python::Check(PyImport_ImportModule("sys"), "python");
    python::Check(PyObject_CallMethod(sys.get(), "setswitchinterval", "d",
                                      params.Double("switch_interval_ms") * 1e-3),
                  "python: switch_interval_ms");
    Ref interval =
        python::Check(PyObject_CallMethod(sys.get(), "getswitchinterval", nullptr), "python");
    switch_interval_s_ = PyFloat_AsDouble(interval.get());
    if (in_.task == Task::kUser) {
      LoadUserTask(params);
    } else {
      LoadBuiltinTask(params.String("count_loop"));
    }
    if (event_loop_) {
      Ref asyncio = python::Check(PyImport_ImportModule("asyncio"), "python");
      loop_ = python::Check(PyObject_CallMethod(asyncio.get(), "new_event_loop", nullptr),
                            "python: asyncio.new_event_loop");
    }
  }

  void Run(PhaseTimer& timer) override {
    const std::vector<Call> calls = Calls(event_loop_ ? Coroutines() : ctx_->team.size());
    std::vector<Outcome> outcomes(calls.size());
    // An exception waits for the reduction below: the other ranks are on their way to it.
    std::exception_ptr error;
    try {
      if (tasks_module_) ResetCounter();
      if (event_loop_) {
        RunEventLoop(calls, outcomes);
      } else {
        ctx_->team.Run(
            [&](Worker& worker) { CallOnce(calls[worker.id()], outcomes[worker.id()]); });
      }
    } catch (const std::exception&) {
      error = std::current_exception();
    }
    const int threads = event_loop_ ? 1 : ctx_->team.size();
    double cpu = 0, off_cpu = 0;
    for (const Outcome& o : outcomes) {
      cpu += o.cpu;
      off_cpu += std::max(0.0, o.wall - o.cpu);
    }
    timer.Add(Phase::kCompute, cpu / threads);
    timer.Add(python::OffCpuPhase(in_.task), off_cpu / threads);
    {
      auto scope = timer.Measure(Phase::kComm);
      Reduce(calls, outcomes);
    }
    if (error) std::rethrow_exception(error);
  }

  Verification Verify() override { return python::VerifyTotals(in_, totals_); }

  Work work() const override { return python::TaskWork(in_); }

  std::vector<KernelResult> Results() const override {
    std::vector<KernelResult> results = {
        {"switch_interval", switch_interval_s_, "s", "sys.getswitchinterval() in this run"}};
    if (in_.task == Task::kLockedCounter || in_.task == Task::kUnlockedCounter) {
      results.push_back({"final_value", static_cast<double>(totals_.counter), "1",
                         "the shared counter, summed over the ranks' interpreters"});
      results.push_back(
          {"lost_updates", static_cast<double>(lost_since_setup_), "1",
           "|counter - (adds - subtracts)| summed over ranks, over every repetition (warm-ups "
           "too) and every block: updates lost at least", true});
    }
    if (in_.task == Task::kSleep)
      results.push_back({"shortest_wait", totals_.value, "s", "shortest sleep any task measured"});
    if (in_.task == Task::kUser)
      results.push_back({"returned_sum", totals_.returned_sum, "1",
                         "sum of the numbers the user function returned"});
    return results;
  }

  std::map<std::string, std::string> Notes() const override {
    const char* off = python::OffCpuPhase(in_.task) == Phase::kLockWait ? "lock_wait (the GIL)"
                      : python::OffCpuPhase(in_.task) == Phase::kIo     ? "io (reads and the GIL)"
                                                                    : "wait (waits and the GIL)";
    return {{"python", python::Version()},
            {"free_threaded", PARLAB_PYTHON_FREE_THREADED},
            {"phases", fmt::format("compute = CPU time of each worker's thread in its Python "
                                   "call; {} = the rest of the call, the thread off the CPU "
                                   "(also when the OS preempted it); means over the rank's "
                                   "workers",
                                   off)}};
  }

 private:
  int Coroutines() const {
    if (python::IsPairTask(in_.task)) return static_cast<int>(async_tasks_);
    const long long mine = Partition(in_.n, ctx_->ranks, ctx_->rank).size();
    return static_cast<int>(std::clamp<long long>(mine, 1, async_tasks_));
  }

  std::vector<Call> Calls(int units) const {
    return python::SplitCalls(in_.task, in_.n, ctx_->rank, ctx_->ranks, units);
  }

  void CallOnce(const Call& call, Outcome& out) const {
    const double wall = NowSeconds();
    const double cpu = ThreadCpuSeconds();
    {
      python::Gil gil;
      Ref result(PyObject_CallFunction(function_.get(), "LL", call.a, call.b));
      if (!result)
        throw python::PythonError(
            fmt::format("{}({}, {}) raised {}", in_.function, call.a, call.b, python::TakeError()));
      Parse(result.get(), call, out);
    }
    out.cpu = ThreadCpuSeconds() - cpu;
    out.wall = NowSeconds() - wall;
  }

  void RunEventLoop(const std::vector<Call>& calls, std::vector<Outcome>& outcomes) const {
    const double wall = NowSeconds();
    const double cpu = ThreadCpuSeconds();
    {
      python::Gil gil;
      Ref list(PyList_New(static_cast<Py_ssize_t>(calls.size())));
      for (std::size_t i = 0; i < calls.size() && list; ++i)
        PyList_SET_ITEM(list.get(), static_cast<Py_ssize_t>(i),
                        Py_BuildValue("(LL)", calls[i].a, calls[i].b));
      Ref args(Py_BuildValue("(OOO)", loop_.get(), function_.get(), list.get()));
      Ref results;
      try {
        results = python::CallDriver("run_concurrently", args, "");
      } catch (const python::PythonError& e) {
        throw python::PythonError(fmt::format("{} (one of {} coroutines) raised {}", in_.function,
                                              calls.size(), e.what() + 2));
      }
      for (std::size_t i = 0; i < calls.size(); ++i)
        Parse(PyList_GET_ITEM(results.get(), static_cast<Py_ssize_t>(i)), calls[i], outcomes[i]);
    }
    outcomes[0].cpu = ThreadCpuSeconds() - cpu;
    outcomes[0].wall = NowSeconds() - wall;
  }

  // GIL held.
  void Parse(PyObject* result, const Call& call, Outcome& out) const {
    if (in_.task == Task::kUser) {
      out.done = call.b - call.a;
      if (result == Py_False) ++out.false_returns;
      if (!PyBool_Check(result) && (PyLong_Check(result) || PyFloat_Check(result)))
        out.returned_sum += PyFloat_AsDouble(result);
      PyErr_Clear();  // a number too large for a double counts as nothing
      return;
    }
    long long done = 0;
    double value = 0;
    if (!PyArg_ParseTuple(result, "Ld", &done, &value))
      throw python::PythonError("python: built-in task returned " + python::TakeError());
    out.done = done;
    out.value = value;
  }

  // Abandonable (core/collective.h): a rank whose task hangs must not hold the others'
  // threads in a reduction for ever once the watchdog gives up on the run.
  void Reduce(const std::vector<Call>& calls, const std::vector<Outcome>& outcomes) {
    // done, false returns, counter, lost, value, returned sum (counts exact below 2^53)
    double sums[6] = {0, 0, 0, 0, 0, 0};
    double shortest = std::numeric_limits<double>::infinity();
    long long expected = 0;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      sums[0] += static_cast<double>(outcomes[i].done);
      sums[1] += static_cast<double>(outcomes[i].false_returns);
      sums[4] += outcomes[i].value;
      sums[5] += outcomes[i].returned_sum;
      shortest = std::min(shortest, outcomes[i].value);
      expected += calls[i].a - calls[i].b;
    }
    if (tasks_module_ && python::IsPairTask(in_.task) && in_.task != Task::kCount) {
      python::Gil gil;
      Ref x = python::Check(PyObject_GetAttrString(tasks_module_.get(), "x"), "python");
      const long long counter = PyLong_AsLongLong(x.get());
      sums[2] = static_cast<double>(counter);
      sums[3] = static_cast<double>(std::llabs(counter - expected));
    }
    MPI_Request requests[2];
    MPI_Iallreduce(MPI_IN_PLACE, sums, 6, MPI_DOUBLE, MPI_SUM, ctx_->comm, &requests[0]);
    MPI_Iallreduce(MPI_IN_PLACE, &shortest, 1, MPI_DOUBLE, MPI_MIN, ctx_->comm, &requests[1]);
    for (MPI_Request& request : requests) WaitOrAbandon(request);
    totals_ = {std::llround(sums[0]),
               std::llround(sums[1]),
               std::llround(sums[2]),
               std::llround(sums[3]),
               in_.task == Task::kSleep ? shortest : sums[4],
               sums[5]};
    lost_since_setup_ += totals_.lost;
  }

  void ResetCounter() const {
    python::Gil gil;
    Ref zero(PyLong_FromLong(0));
    if (PyObject_SetAttrString(tasks_module_.get(), "x", zero.get()) != 0)
      throw python::PythonError("python: " + python::TakeError());
  }

  // GIL held.
  void LoadBuiltinTask(const std::string& count_loop) {
    Ref code =
        python::Check(Py_CompileString(python::kTasksSource, "<parlab-tasks>", Py_file_input),
                      "python: built-in tasks");
    tasks_module_ = python::Check(PyModule_New("_parlab_tasks"), "python");
    PyObject* globals = PyModule_GetDict(tasks_module_.get());  // borrowed
    PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
    python::Check(PyEval_EvalCode(code.get(), globals, globals), "python: built-in tasks");
    const bool native = in_.task == Task::kNative;
    python::Check(
        PyObject_CallMethod(tasks_module_.get(), "configure", "diLsL", in_.sleep_s, file_.fd(),
                            static_cast<long long>(in_.read_bytes), in_.native.c_str(),
                            static_cast<long long>(native ? in_.native_bytes : 0)),
        "python: configuring the built-in tasks");
    in_.function = python::BuiltinFunction(in_.task, count_loop, event_loop_);
    function_ =
        python::Check(PyObject_GetAttrString(tasks_module_.get(), in_.function.c_str()), "python");
  }

  // GIL held. The module is executed fresh for every run, under a name of its own.
  void LoadUserTask(const KernelParams& params) {
    static int loaded = 0;
    const std::string& path = params.String("module");
    const char* key = event_loop_ ? "coroutine" : "function";
    in_.function = params.String(key);
    user_module_name_ = fmt::format("_parlab_user_{}", ++loaded);
    user_module_ = python::CallDriver(
        "load_module", Ref(Py_BuildValue("(ss)", path.c_str(), user_module_name_.c_str())),
        fmt::format("python: module = '{}' raised while loading", path));
    function_ = python::CallDriver(
        "task_function",
        Ref(Py_BuildValue("(OsssO)", user_module_.get(), path.c_str(), key, in_.function.c_str(),
                          event_loop_ ? Py_True : Py_False)),
        "python");
  }

  void ReleasePython() noexcept;

  RunContext* ctx_ = nullptr;
  bool event_loop_ = false;
  long long async_tasks_ = 1;
  double switch_interval_s_ = 0;
  python::TaskInputs in_;
  python::ScratchFile file_;
  std::string user_module_name_;
  Ref tasks_module_;
  Ref user_module_;
  Ref function_;
  Ref loop_;
  Totals totals_;
  long long lost_since_setup_ = 0;  // over every Run since Setup (warm-ups too)
};

// Python objects go with the GIL held; once the interpreter is gone they are only dropped.
void PythonKernel::ReleasePython() noexcept {
  Ref* refs[] = {&function_, &loop_, &user_module_, &tasks_module_};
  const bool any = std::any_of(std::begin(refs), std::end(refs), [](Ref* r) { return bool(*r); });
  if (!any) return;
  if (!python::Running()) {
    for (Ref* ref : refs) ref->release();
    return;
  }
  try {
    python::Gil gil;
    if (loop_) Ref(PyObject_CallMethod(loop_.get(), "close", nullptr));
    if (!user_module_name_.empty()) {
      PyObject* modules = PyImport_GetModuleDict();  // borrowed
      if (PyDict_DelItemString(modules, user_module_name_.c_str()) != 0) PyErr_Clear();
    }
    PyErr_Clear();
    for (Ref* ref : refs) ref->reset();
  } catch (const std::exception&) {
    for (Ref* ref : refs) ref->release();  // the interpreter went away meanwhile
  }
}

// Whether the embedded interpreter runs with the GIL (sys._is_gil_enabled, 3.13 and later).
std::string GilState() {
  python::Gil gil;
  Ref sys = python::Check(PyImport_ImportModule("sys"), "python");
  if (!PyObject_HasAttrString(sys.get(), "_is_gil_enabled"))
    return "enabled (this CPython has no free-threaded mode)";
  Ref on = python::Check(PyObject_CallMethod(sys.get(), "_is_gil_enabled", nullptr), "python");
  return PyObject_IsTrue(on.get()) ? "enabled (sys._is_gil_enabled())"
                                   : "disabled (free-threaded: sys._is_gil_enabled() is False)";
}

EnvironmentFacts ProbePython(MPI_Comm, const KernelParams&) {
  return {{"python_kernel_cpython", python::Version()},
          {"python_kernel_gil", GilState()},
          {"python_kernel_free_threaded", PARLAB_PYTHON_FREE_THREADED}};
}

KernelInfo PythonKernelInfo() {
  return {.name = "python",
          .doc = "real CPython code, embedded (one interpreter and GIL per rank): the classic "
                 "Python claims measured on CPython itself",
          .size_doc = "count, counters: loop iterations per group (n up and n down); sleep, "
                      "file_read, native: tasks; user: items, split into [begin, end) ranges",
          .params = python::TaskParams(),
          .make = [] { return std::make_unique<PythonKernel>(); },
          .has_event_loop = true,
          .own_lock = true,
          .memory_per_rank = python::TaskMemoryPerRank,
          .bound = Bound::kSynchronisation,
          .check = python::CheckTaskParams,
          .preflight = python::PreflightTaskParams,
          .probe = ProbePython,
          .startup_costs = python::MeasureStartupCosts,
          .test_size = 2000,
          .test_params = {{"task", std::string("locked_counter")}}};
}

}  // namespace

PARLAB_REGISTER_KERNEL(PythonKernelInfo);

}  // namespace parlab
