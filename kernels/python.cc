#include "kernels/python_embed.h"  // Python.h first
#include "kernels/python.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>

#include <fmt/format.h>

#include "core/collective.h"
#include "kernels/python_interpreter.h"
#include "kernels/python_tasks.h"

namespace parlab {
namespace {

using python::Ref;
using python::Task;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One call of the task function: (ups, downs) for pair tasks, [begin, end) otherwise.
struct Call {
  long long a = 0;
  long long b = 0;
};

// What a call returned and what it cost its thread.
struct Outcome {
  long long done = 0;         // items done, or the ups of a pair task
  double value = 0;           // downs, shortest sleep, bytes or digests verified
  long long false_returns = 0;  // user task: calls that returned False
  double returned_sum = 0;    // user task: the numbers its calls returned
  double wall = 0;
  double cpu = 0;
};

// Across the ranks, after a repetition.
struct Totals {
  long long done = 0;
  long long false_returns = 0;
  long long counter = 0;       // counter tasks: the counters summed
  long long lost = 0;          // counter tasks: sum over ranks of |counter - expected|
  double value = 0;            // summed (shortest sleep: the minimum)
  double returned_sum = 0;
};

class PythonKernel final : public Kernel {
 public:
  ~PythonKernel() override { ReleasePython(); }

  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    n_ = params.size();
    task_ = python::ParseTask(params.String("task"));
    event_loop_ = ctx.team.event_loop();
    bool emulated_lock = false;  // config refuses the gil model; a hand-made run is refused here
    ctx.team.Run([&](Worker& worker) {
      if (worker.id() == 0) emulated_lock = worker.shares_lock();
    });
    if (emulated_lock)
      throw std::runtime_error("python: model 'gil' refused: " +
                               PythonKernelInfo().refused_models.at("gil"));
    async_tasks_ = params.Int("async_tasks");
    sleep_s_ = params.Double("sleep_ms") * 1e-3;
    read_bytes_ = params.Int("read_kib") * 1024;
    native_ = params.String("native");
    native_bytes_ = params.Int("native_kib") * 1024;
    if (task_ == Task::kFileRead) file_ = python::ScratchFile(params.String("dir"), read_bytes_);
    python::Gil gil;
    Ref sys = python::Check(PyImport_ImportModule("sys"), "python");
    python::Check(PyObject_CallMethod(sys.get(), "setswitchinterval", "d",
                                      params.Double("switch_interval_ms") * 1e-3),
                  "python: switch_interval_ms");
    Ref interval = python::Check(PyObject_CallMethod(sys.get(), "getswitchinterval", nullptr),
                                 "python");
    switch_interval_s_ = PyFloat_AsDouble(interval.get());
    if (task_ == Task::kUser) {
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
    if (tasks_module_) {
      python::Gil gil;
      Ref zero(PyLong_FromLong(0));
      if (PyObject_SetAttrString(tasks_module_.get(), "x", zero.get()) != 0)
        throw python::PythonError("python: " + python::TakeError());
    }
    const std::vector<Call> calls = Calls(event_loop_ ? Coroutines() : ctx_->team.size());
    std::vector<Outcome> outcomes(calls.size());
    // An exception waits for the reduction below: the other ranks are on their way to it.
    std::exception_ptr error;
    try {
      if (event_loop_) {
        RunEventLoop(calls, outcomes);
      } else {
        ctx_->team.Run([&](Worker& worker) { CallOnce(calls[worker.id()], outcomes[worker.id()]); });
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
    timer.Add(python::OffCpuPhase(task_), off_cpu / threads);
    {
      auto scope = timer.Measure(Phase::kComm);
      Reduce(calls, outcomes);
    }
    if (error) std::rethrow_exception(error);
  }

  Verification Verify() override {
    const long long n = n_;
    switch (task_) {
      case Task::kCount:
        return {totals_.done == n && totals_.value == static_cast<double>(n),
                fmt::format("{} of {} iterations counted up and {:.0f} of {} down", totals_.done,
                            n, totals_.value, n)};
      case Task::kLockedCounter:
      case Task::kUnlockedCounter: {
        const bool all = totals_.done == n && totals_.value == static_cast<double>(n);
        const std::string done = fmt::format("{} + {:.0f} of {} updates done", totals_.done,
                                             totals_.value, 2 * n);
        if (task_ == Task::kLockedCounter)
          return {all && totals_.counter == 0 && totals_.lost == 0,
                  fmt::format("{}, counter ended at {} (must be 0)", done, totals_.counter)};
        return {all && totals_.lost <= 2 * n,
                fmt::format("{}, unlocked counter ended at {}: {} updates lost", done,
                            totals_.counter, totals_.lost)};
      }
      case Task::kSleep:
        return {totals_.done == n && (n == 0 || totals_.value >= sleep_s_ - 1e-6),
                fmt::format("{} of {} sleeps done; shortest {:.1f} us (requested {:.1f} us)",
                            totals_.done, n, totals_.value * 1e6, sleep_s_ * 1e6)};
      case Task::kFileRead:
        return {totals_.done == n && totals_.value == static_cast<double>(n * read_bytes_),
                fmt::format("{} of {} reads done, {:.0f} of {} bytes verified", totals_.done, n,
                            totals_.value, n * read_bytes_)};
      case Task::kNative:
        return {totals_.done == n && totals_.value == static_cast<double>(n),
                fmt::format("{} of {} calls done, {:.0f} {} results of the {} KiB buffer match",
                            totals_.done, n, totals_.value, native_, native_bytes_ / 1024)};
      case Task::kUser:
        return {totals_.done == n && totals_.false_returns == 0,
                fmt::format("{} returned for {} of {} items; {} call(s) returned False",
                            function_name_, totals_.done, n, totals_.false_returns)};
    }
    return {false, "unknown task"};
  }

  Work work() const override {
    const double n = static_cast<double>(n_);
    switch (task_) {
      case Task::kCount: return {2 * n, "item", "Mloops/s", 1e6};
      case Task::kLockedCounter:
      case Task::kUnlockedCounter: return {2 * n, "item", "Mupdates/s", 1e6};
      case Task::kSleep: return {n, "item", "tasks/s", 1};
      case Task::kFileRead: return {n * static_cast<double>(read_bytes_), "byte", "GB/s", 1e9};
      case Task::kNative: return {n * static_cast<double>(native_bytes_), "byte", "GB/s", 1e9};
      case Task::kUser: return {n, "item", "items/s", 1};
    }
    return {};
  }

  std::vector<KernelResult> Results() const override {
    std::vector<KernelResult> results = {
        {"switch_interval", switch_interval_s_, "s", "sys.getswitchinterval() in this run"}};
    if (task_ == Task::kLockedCounter || task_ == Task::kUnlockedCounter) {
      results.push_back({"final_value", static_cast<double>(totals_.counter), "1",
                         "the shared counter, summed over the ranks' interpreters"});
      results.push_back({"lost_updates", static_cast<double>(totals_.lost), "1",
                         "sum over ranks of |counter - (adds - subtracts)|: updates lost at least"});
    }
    if (task_ == Task::kSleep)
      results.push_back({"shortest_wait", totals_.value, "s", "shortest sleep any task measured"});
    if (task_ == Task::kUser)
      results.push_back({"returned_sum", totals_.returned_sum, "1",
                         "sum of the numbers the user function returned"});
    return results;
  }

  std::map<std::string, std::string> Notes() const override {
    const char* off = python::OffCpuPhase(task_) == Phase::kLockWait ? "lock_wait (the GIL)"
                      : python::OffCpuPhase(task_) == Phase::kIo   ? "io (reads and the GIL)"
                                                                   : "wait (waits and the GIL)";
    return {{"python", python::Version()},
            {"free_threaded", "not available: this Debian has no free-threaded CPython "
                              "(python3.13t or later) to embed; every run here has the GIL"},
            {"phases", fmt::format("compute = CPU time of each worker's thread in its Python "
                                   "call; {} = the rest of the call, the thread off the CPU "
                                   "(also when the OS preempted it); means over the rank's "
                                   "workers", off)}};
  }

 private:
  int Coroutines() const {
    if (python::IsPairTask(task_)) return static_cast<int>(async_tasks_);
    const long long mine = Partition(n_, ctx_->ranks, ctx_->rank).size();
    return static_cast<int>(std::clamp<long long>(mine, 1, async_tasks_));
  }

  // This rank's calls, `units` of them (threads, or coroutines): workers split over ranks.
  std::vector<Call> Calls(int units) const {
    std::vector<Call> calls(static_cast<std::size_t>(units));
    const int total = ctx_->ranks * units;
    const Range mine = Partition(n_, ctx_->ranks, ctx_->rank);
    for (int u = 0; u < units; ++u) {
      Call& call = calls[static_cast<std::size_t>(u)];
      if (!python::IsPairTask(task_)) {
        const Range part = Partition(mine.size(), units, u);
        call = {mine.begin + part.begin, mine.begin + part.end};
        continue;
      }
      // Even global workers count up (add), odd ones down; one worker does both.
      const int global = ctx_->rank * units + u;
      if (total == 1) {
        call = {n_, n_};
        continue;
      }
      const int members = global % 2 == 0 ? (total + 1) / 2 : total / 2;
      const long long share = Partition(n_, members, global / 2).size();
      call = global % 2 == 0 ? Call{share, 0} : Call{0, share};
    }
    return calls;
  }

  void CallOnce(const Call& call, Outcome& out) const {
    const double wall = NowSeconds();
    const double cpu = ThreadCpuSeconds();
    {
      python::Gil gil;
      Ref result(PyObject_CallFunction(function_.get(), "LL", call.a, call.b));
      if (!result)
        throw python::PythonError(fmt::format("{}({}, {}) raised {}", function_name_, call.a,
                                              call.b, python::TakeError()));
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
        throw python::PythonError(fmt::format("{} (one of {} coroutines) raised {}",
                                              function_name_, calls.size(), e.what() + 2));
      }
      for (std::size_t i = 0; i < calls.size(); ++i)
        Parse(PyList_GET_ITEM(results.get(), static_cast<Py_ssize_t>(i)), calls[i], outcomes[i]);
    }
    outcomes[0].cpu = ThreadCpuSeconds() - cpu;
    outcomes[0].wall = NowSeconds() - wall;
  }

  // GIL held.
  void Parse(PyObject* result, const Call& call, Outcome& out) const {
    if (task_ == Task::kUser) {
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
    if (tasks_module_ && python::IsPairTask(task_) && task_ != Task::kCount) {
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
    totals_ = {std::llround(sums[0]), std::llround(sums[1]), std::llround(sums[2]),
               std::llround(sums[3]), task_ == Task::kSleep ? shortest : sums[4], sums[5]};
  }

  // GIL held.
  void LoadBuiltinTask(const std::string& count_loop) {
    Ref code = python::Check(Py_CompileString(python::kTasksSource, "<parlab-tasks>",
                                              Py_file_input), "python: built-in tasks");
    tasks_module_ = python::Check(PyModule_New("_parlab_tasks"), "python");
    PyObject* globals = PyModule_GetDict(tasks_module_.get());  // borrowed
    PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
    python::Check(PyEval_EvalCode(code.get(), globals, globals), "python: built-in tasks");
    const bool native = task_ == Task::kNative;
    python::Check(PyObject_CallMethod(tasks_module_.get(), "configure", "diLsL", sleep_s_,
                                      file_.fd(), static_cast<long long>(read_bytes_),
                                      native_.c_str(),
                                      static_cast<long long>(native ? native_bytes_ : 0)),
                  "python: configuring the built-in tasks");
    function_name_ = python::BuiltinFunction(task_, count_loop, event_loop_);
    function_ = python::Check(PyObject_GetAttrString(tasks_module_.get(), function_name_.c_str()),
                              "python");
  }

  // GIL held. The module is executed fresh for every run, under a name of its own.
  void LoadUserTask(const KernelParams& params) {
    static int loaded = 0;
    const std::string& path = params.String("module");
    const char* key = event_loop_ ? "coroutine" : "function";
    function_name_ = params.String(key);
    user_module_name_ = fmt::format("_parlab_user_{}", ++loaded);
    user_module_ = python::CallDriver(
        "load_module", Ref(Py_BuildValue("(ss)", path.c_str(), user_module_name_.c_str())),
        fmt::format("python: module = '{}' raised while loading", path));
    function_ = python::CallDriver(
        "task_function",
        Ref(Py_BuildValue("(OsssO)", user_module_.get(), path.c_str(), key,
                          function_name_.c_str(), event_loop_ ? Py_True : Py_False)),
        "python");
  }

  void ReleasePython() noexcept;

  RunContext* ctx_ = nullptr;
  long long n_ = 0;
  Task task_ = Task::kCount;
  bool event_loop_ = false;
  long long async_tasks_ = 1;
  double sleep_s_ = 0;
  std::int64_t read_bytes_ = 0;
  std::string native_;
  std::int64_t native_bytes_ = 0;
  double switch_interval_s_ = 0;
  python::ScratchFile file_;
  std::string function_name_;
  std::string user_module_name_;
  Ref tasks_module_;
  Ref user_module_;
  Ref function_;
  Ref loop_;
  Totals totals_;
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

}  // namespace

KernelInfo PythonKernelInfo() {
  KernelInfo info{
      "python",
      "real CPython code, embedded (one interpreter and GIL per rank): the classic Python "
      "claims measured on CPython itself",
      "count, counters: loop iterations per group (n up and n down); sleep, file_read, native: "
      "tasks; user: items, split into [begin, end) ranges",
      python::TaskParams(),
      [] { return std::make_unique<PythonKernel>(); },
      /*has_event_loop=*/true,
      python::TaskMemoryPerRank};
  info.refused_models = {
      {"gil", "its threads already take CPython's real GIL (model 'threads'); 'gil' is parlab's "
              "emulation of it for the C++ kernels, compared with this kernel's threads"}};
  info.check = python::CheckTaskParams;
  return info;
}

}  // namespace parlab
