// The python kernel (embedded CPython) on one rank, through the engine's measuring path:
// every task verifies under every model, the counters end where they must, user code's
// errors are one line and mark the run, the watchdog abandons a task that never returns,
// and the interpreter is finalised at the end (or, with a thread left inside, not).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/config.h"
#include "app/preflight.h"
#include "harness/watchdog.h"
#include "kernels/python_interpreter.h"
#include "test_util.h"

namespace parlab {
namespace {

using testing_util::Contains;
using testing_util::Measure;
using testing_util::PythonTask;
using testing_util::PythonUserTask;
using testing_util::Result;

// What the end of the test program must find (see FinalizeAtTheEnd).
bool g_thread_left_inside = false;
std::string g_atexit_marker;

struct ModelShape {
  const char* model;
  Shape shape;
};
const ModelShape kModels[] = {
    {"serial", {1, 1}}, {"threads", {1, 2}}, {"threads", {1, 3}}, {"async", {1, 1}}};

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "parlab-python-test-" + std::to_string(getpid()) + "-" + name;
}

// Writes a Python file for a user task and returns its path.
std::string WriteModule(const std::string& name, const std::string& source) {
  const std::string path = TempPath(name + ".py");
  std::ofstream(path) << source;
  return path;
}

// Native code that holds the GIL excludes every other holder: no update of a plain counter
// is lost. Under ThreadSanitizer this is also the proof that it sees the GIL's own mutex
// and condition variable inside the uninstrumented libpython.
TEST(PythonInterpreter, TheGilExcludesOtherHoldersOfItInNativeCode) {
  python::Start();
  long long plain = 0;  // touched only with the GIL held
  const auto add = [&] {
    for (int i = 0; i < 20000; ++i) {
      python::Gil gil;
      plain = plain + 1;
    }
  };
  std::thread first(add), second(add);
  first.join();
  second.join();
  EXPECT_EQ(plain, 40000);
  EXPECT_EQ(python::ThreadsInside(), 0);
}

TEST(PythonKernel, EveryBuiltInTaskVerifiesUnderEveryModel) {
  const std::vector<std::pair<std::string, std::map<std::string, ParamValue>>> tasks = {
      {"count", {}},
      {"count", {{"count_loop", std::string("pass")}}},
      {"locked_counter", {}},
      {"unlocked_counter", {}},
      {"sleep", {{"sleep_ms", 0.2}}},
      {"file_read", {{"read_kib", std::int64_t{64}}, {"dir", ::testing::TempDir()}}},
      {"native", {{"native_kib", std::int64_t{256}}}},
      {"native", {{"native_kib", std::int64_t{256}}, {"native", std::string("zlib")}}}};
  for (const auto& [task, params] : tasks) {
    for (const auto& [model, shape] : kModels) {
      const std::int64_t size = task == "count" || Contains(task, "counter") ? 20001 : 7;
      const RunOutcome r = Measure(PythonTask(task, model, shape, size, params), MPI_COMM_SELF);
      EXPECT_EQ(r.status, RunStatus::kOk)
          << task << " " << model << " x" << shape.threads << ": " << r.message;
      EXPECT_EQ(r.repetitions(), 2);
      EXPECT_EQ(Result(r, "switch_interval"), 0.005) << task << " " << model;
      EXPECT_TRUE(Contains(r.notes.at("python"), "CPython 3.")) << r.notes.at("python");
      EXPECT_TRUE(Contains(r.notes.at("free_threaded"), "not available"));
    }
  }
}

TEST(PythonKernel, LockedCounterEndsAtZeroUnderEveryModel) {
  for (const auto& [model, shape] : kModels) {
    const RunOutcome r = Measure(PythonTask("locked_counter", model, shape, 30001), MPI_COMM_SELF);
    EXPECT_EQ(r.status, RunStatus::kOk) << model << ": " << r.message;
    EXPECT_EQ(Result(r, "final_value"), 0.0) << model;
    EXPECT_EQ(Result(r, "lost_updates"), 0.0) << model;
  }
}

TEST(PythonKernel, UnlockedCounterIsExactAloneAndItsLossIsTheCounterWithMany) {
  const RunOutcome one =
      Measure(PythonTask("unlocked_counter", "serial", {1, 1}, 50000), MPI_COMM_SELF);
  EXPECT_EQ(Result(one, "final_value"), 0.0);
  EXPECT_EQ(Result(one, "lost_updates"), 0.0);
  for (double interval_ms : {5.0, 0.001}) {
    const RunSpec spec = PythonTask("unlocked_counter", "threads", {1, 2}, 200000,
                                    {{"switch_interval_ms", interval_ms}});
    const RunOutcome two = Measure(spec, MPI_COMM_SELF);
    EXPECT_EQ(two.status, RunStatus::kOk) << two.message;
    EXPECT_EQ(Result(two, "switch_interval"), interval_ms * 1e-3);
    // One adding and one subtracting worker: whatever is lost shows in the counter; the
    // result adds up every repetition's loss, the counter is the last one's.
    EXPECT_GE(Result(two, "lost_updates"), std::abs(Result(two, "final_value")));
    EXPECT_LE(Result(two, "lost_updates"), 200000.0 * (spec.warmups + spec.repetitions));
  }
}

TEST(PythonKernel, SwitchIntervalIsSetForEachRunAndRecorded) {
  const RunOutcome small = Measure(
      PythonTask("count", "serial", {1, 1}, 100, {{"switch_interval_ms", 0.25}}), MPI_COMM_SELF);
  EXPECT_DOUBLE_EQ(Result(small, "switch_interval"), 0.00025);
  const RunOutcome back = Measure(PythonTask("count", "serial", {1, 1}, 100), MPI_COMM_SELF);
  EXPECT_DOUBLE_EQ(Result(back, "switch_interval"), 0.005);  // not left over from the last
}

TEST(PythonKernel, SleepsAreOffTheCpuInTheWaitPhaseAndFileReadsAreIo) {
  const RunOutcome sleep =
      Measure(PythonTask("sleep", "serial", {1, 1}, 10, {{"sleep_ms", 2.0}}), MPI_COMM_SELF);
  ASSERT_EQ(sleep.status, RunStatus::kOk) << sleep.message;
  for (int rep = 0; rep < sleep.repetitions(); ++rep) {
    EXPECT_GE(sleep.samples.At(rep, 0, 1 + static_cast<int>(Phase::kWait)), 10 * 0.002 * 0.95);
    EXPECT_LT(sleep.samples.At(rep, 0, 1 + static_cast<int>(Phase::kCompute)), 10 * 0.002);
  }
  EXPECT_GE(Result(sleep, "shortest_wait"), 0.002 - 1e-6);
  EXPECT_TRUE(Contains(sleep.notes.at("phases"), "wait"));
  const RunOutcome read = Measure(
      PythonTask("file_read", "serial", {1, 1}, 3, {{"dir", ::testing::TempDir()}}), MPI_COMM_SELF);
  EXPECT_TRUE(Contains(read.notes.at("phases"), "io ("));
  const RunOutcome count = Measure(PythonTask("count", "threads", {1, 2}, 1000), MPI_COMM_SELF);
  EXPECT_TRUE(Contains(count.notes.at("phases"), "lock_wait (the GIL)"));
}

TEST(PythonKernel, FileReadLeavesNoFileInItsDirectory) {
  const std::string dir = TempPath("scratch-dir");
  std::filesystem::create_directory(dir);
  const RunOutcome r = Measure(
      PythonTask("file_read", "threads", {1, 2}, 9, {{"dir", dir}, {"read_kib", std::int64_t{8}}}),
      MPI_COMM_SELF);
  EXPECT_EQ(r.status, RunStatus::kOk) << r.message;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove(dir);
  const RunOutcome missing =
      Measure(PythonTask("file_read", "serial", {1, 1}, 1, {{"dir", dir}}), MPI_COMM_SELF);
  EXPECT_EQ(missing.status, RunStatus::kError);
  EXPECT_TRUE(Contains(missing.message, "cannot create " + dir + "/parlab-python-"))
      << missing.message;
}

TEST(PythonKernel, ThreadsShareTheRanksInterpreterAndCoroutinesOneLoop) {
  const std::string path = WriteModule("shared", R"py(
import asyncio, threading
barrier = threading.Barrier(2, timeout=30)
def meet(begin, end):
    barrier.wait()  # passes only if both workers are in this interpreter at once
    return end - begin
active = most = 0
async def overlap(begin, end):
    global active, most
    active += 1
    most = max(most, active)
    await asyncio.sleep(0.001)
    active -= 1
    return most  # every coroutine started before any returned: the count of them all
)py");
  const RunOutcome threads =
      Measure(PythonUserTask(path, "meet", "threads", {1, 2}, 10), MPI_COMM_SELF);
  EXPECT_EQ(threads.status, RunStatus::kOk) << threads.message;
  EXPECT_EQ(Result(threads, "returned_sum"), 10.0);
  RunSpec spec = PythonUserTask(path, "overlap", "async", {1, 1}, 8, 1);
  const RunOutcome loop = Measure(spec, MPI_COMM_SELF);
  EXPECT_EQ(loop.status, RunStatus::kOk) << loop.message;
  EXPECT_EQ(Result(loop, "returned_sum"), 8.0 * 8.0);
}

TEST(PythonKernel, UserCodeThatRaisesIsOneLineWithItsTracebackAndTheRunAnError) {
  const std::string path = WriteModule("raises", R"py(
def work(begin, end):
    return helper(begin)

def helper(x):
    return 1 / (x - x)

async def cwork(begin, end):
    return helper(begin)
)py");
  for (const auto& [model, shape] : kModels) {
    const bool async = std::string(model) == "async";
    const RunOutcome r =
        Measure(PythonUserTask(path, async ? "cwork" : "work", model, shape, 100), MPI_COMM_SELF);
    EXPECT_EQ(r.status, RunStatus::kError) << model;
    EXPECT_EQ(r.repetitions(), 0);
    EXPECT_TRUE(
        Contains(r.message, async ? "cwork (one of 64 coroutines) raised " : "failed: work("))
        << r.message;
    EXPECT_TRUE(Contains(r.message,
                         "raised ZeroDivisionError: division by zero (traceback: " + path +
                             (async ? ":9 in cwork > " : ":3 in work > ") + path + ":6 in helper)"))
        << r.message;
    EXPECT_FALSE(Contains(r.message, "\n")) << r.message;
  }
  // The experiment goes on: the interpreter still runs the next run.
  EXPECT_EQ(Measure(PythonTask("count", "serial", {1, 1}, 10), MPI_COMM_SELF).status,
            RunStatus::kOk);
}

TEST(PythonKernel, WrongFunctionsAndModulesAreOneLineSetupErrors) {
  const std::string path = WriteModule("wrong", R"py(
def one(a):
    return a
async def coro(begin, end):
    return 0
def plain(begin, end):
    return 0
value = 3
)py");
  const std::string broken = WriteModule("broken", "import no_such_module_here\n");
  const std::string syntax = WriteModule("syntax", "def f(:\n    pass\n");
  const std::vector<std::pair<RunSpec, std::string>> cases = {
      {PythonUserTask(path, "missing", "serial", {1, 1}, 1),
       "function = 'missing': " + path + " has no such function"},
      {PythonUserTask(path, "one", "serial", {1, 1}, 1),
       "defines one(a), which cannot be called as one(begin, end)"},
      {PythonUserTask(path, "value", "threads", {1, 2}, 1),
       "in " + path + " it is a int, not a function"},
      {PythonUserTask(path, "coro", "serial", {1, 1}, 1),
       "it is a coroutine function: give it as coroutine ="},
      {PythonUserTask(path, "plain", "async", {1, 1}, 1),
       "coroutine = 'plain': in " + path + " it is not a coroutine function"},
      {PythonUserTask(broken, "f", "serial", {1, 1}, 1),
       "raised while loading: ModuleNotFoundError: No module named 'no_such_module_here'"},
      {PythonUserTask(syntax, "f", "serial", {1, 1}, 1), "raised while loading: SyntaxError: "}};
  for (const auto& [spec, expected] : cases) {
    const RunOutcome r = Measure(spec, MPI_COMM_SELF);
    EXPECT_EQ(r.status, RunStatus::kError);
    EXPECT_TRUE(Contains(r.message, "setup failed: python: ")) << r.message;
    EXPECT_TRUE(Contains(r.message, expected)) << r.message;
    EXPECT_FALSE(Contains(r.message, "\n")) << r.message;
  }
}

std::string ConfigErrorOf(const std::string& run_table) {
  try {
    const Experiment experiment =
        ParseExperiment("[[run]]\nkernel = \"python\"\nsize = 10\n" + run_table, "python.toml");
    Preflight(MPI_COMM_SELF, experiment);  // what `validate` and `run` check before any work
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(PythonKernel, ConfigErrorsComeBeforeAnyWork) {
  const std::string module = WriteModule("config", "def f(begin, end):\n    pass\n");
  EXPECT_TRUE(Contains(ConfigErrorOf("models = [\"threads\", \"gil\"]\nthreads = 2\n"),
                       "(kernel python), gil 1x2: the python kernel's threads take CPython's "
                       "real GIL (model 'threads')"));
  EXPECT_TRUE(
      Contains(ConfigErrorOf("task = \"user\"\nmodule = \"/no/such.py\"\nfunction = \"f\"\n"),
               "(kernel python): module = '/no/such.py': No such file or directory"));
  EXPECT_TRUE(Contains(ConfigErrorOf("task = \"user\"\nmodule = \"" + module + "\"\n"),
                       "needs function = \"name\""));
  const std::string directory = TempPath("module-dir.py");
  std::filesystem::create_directories(directory);
  EXPECT_TRUE(Contains(ConfigErrorOf("task = \"user\"\nmodule = \"" + directory +
                                     "\"\nfunction = \"f\"\n"),
                       "module = '" + directory + "' is not a regular file"));
  const std::string text = TempPath("module.txt");
  std::ofstream(text) << "def f(begin, end):\n    pass\n";
  EXPECT_TRUE(Contains(ConfigErrorOf("task = \"user\"\nmodule = \"" + text +
                                     "\"\nfunction = \"f\"\n"),
                       "module = '" + text + "' is not a Python source file"));
  EXPECT_TRUE(Contains(ConfigErrorOf("task = \"user\"\nmodule = \"" + module +
                                     "\"\nfunction = \"f\"\nmodels = [\"async\"]\n"),
                       "model 'async' runs coroutines: task = 'user' needs coroutine = \"name\""));
  EXPECT_TRUE(
      Contains(ConfigErrorOf("task = \"user\"\nmodule = \"" + module + "\"\nfunction = \"a-b\"\n"),
               "function = 'a-b' is not a Python identifier"));
  EXPECT_TRUE(Contains(ConfigErrorOf("function = \"f\"\n"), "key 'function' is for task = 'user'"));
  EXPECT_TRUE(Contains(ConfigErrorOf("switch_interval_ms = 0\n"),
                       "'switch_interval_ms' must be more than 0"));
  EXPECT_TRUE(Contains(ConfigErrorOf("task = \"file_read\"\ndir = \"/no/such/dir\"\n"),
                       "dir = '/no/such/dir' is not a directory"));
  // Without a models key the gil model is left out, not an error.
  const Experiment fine =
      ParseExperiment("[[run]]\nkernel = \"python\"\nsize = 10\nthreads = [1, 2]\n", "python.toml");
  for (const RunSpec& spec : fine.runs) EXPECT_NE(spec.model, "gil");
  EXPECT_EQ(fine.runs.size(), 2u);  // serial, threads
}

// Two counts, so the test holds under every allocator: pymalloc's blocks (0 when objects
// come from malloc, as in the ASan tree, where LeakSanitizer checks them) and the objects
// the garbage collector tracks (containers, frames, functions: any allocator).
TEST(PythonKernel, RunsLeaveNoPythonObjectsBehind) {
  const std::string path = WriteModule("blocks", R"py(
import gc, sys
def blocks(begin, end):
    gc.collect()
    return sys.getallocatedblocks()
def objects(begin, end):
    gc.collect()
    return len(gc.get_objects())
)py");
  const auto count = [&](const char* function) {
    return Result(Measure(PythonUserTask(path, function, "serial", {1, 1}, 1, 1), MPI_COMM_SELF),
                  "returned_sum");
  };
  const auto runs = [] {
    for (const auto& [model, shape] : kModels) {
      Measure(PythonTask("native", model, shape, 4, {{"native_kib", std::int64_t{16}}}, 10),
              MPI_COMM_SELF);
      Measure(PythonTask("locked_counter", model, shape, 100, {}, 10), MPI_COMM_SELF);
      Measure(PythonTask("sleep", model, shape, 4, {{"sleep_ms", 0.01}}, 10), MPI_COMM_SELF);
    }
  };
  runs();  // caches (imports, interned names) fill up once
  const double blocks_before = count("blocks"), objects_before = count("objects");
  runs();  // 12 runs, 120 repetitions, 360 calls
  const double blocks_after = count("blocks"), objects_after = count("objects");
  ASSERT_GT(objects_before, 1000.0);  // the count is real: the standard library's own objects
  EXPECT_LT(objects_after - objects_before, 20.0)
      << "objects before " << objects_before << ", after " << objects_after;
  if (blocks_before > 0)  // pymalloc in use
    EXPECT_LT(blocks_after - blocks_before, 100.0)
        << "blocks before " << blocks_before << ", after " << blocks_after;
}

TEST(PythonKernel, InterpreterFinalisesAtTheEndRunningAtexitHandlers) {
  g_atexit_marker = TempPath("atexit-ran");
  std::filesystem::remove(g_atexit_marker);
  const std::string path = WriteModule("atexit",
                                       "import atexit\n"
                                       "atexit.register(lambda: open('" +
                                           g_atexit_marker +
                                           "', 'w').write('finalised'))\n"
                                           "def f(begin, end):\n    pass\n");
  EXPECT_EQ(Measure(PythonUserTask(path, "f", "serial", {1, 1}, 1), MPI_COMM_SELF).status,
            RunStatus::kOk);
  EXPECT_FALSE(std::filesystem::exists(g_atexit_marker));  // not before the end
}

// Last in this file: the thread it leaves inside Python stays until the process ends.
TEST(PythonWatchdog, TaskThatNeverReturnsIsAbandonedAndTheInterpreterKept) {
  const std::string path = WriteModule("forever", R"py(
import time
def spin(begin, end):
    while True:
        pass
def slow(begin, end):
    time.sleep(0.1)
)py");
  python::Start();  // its start-up (slow under sanitizers) is not the runs' to time
  RunSpec slow = PythonUserTask(path, "slow", "serial", {1, 1}, 1, 50);
  slow.timeout_s = 0.35;
  std::vector<double> rows;
  Environment env = testing_util::TestEnvironment();
  env.granted_thread_level = MPI_THREAD_MULTIPLE;
  const RunOutcome stopped = MeasureWatched(slow, MPI_COMM_SELF, env, rows, MeasureRun);
  EXPECT_EQ(stopped.status, RunStatus::kTimeout);
  EXPECT_TRUE(Contains(stopped.message, "stopped after")) << stopped.message;

  RunSpec hung = PythonUserTask(path, "spin", "threads", {1, 2}, 10, 3);
  hung.timeout_s = 0.3;
  g_thread_left_inside = true;
  const RunOutcome r = MeasureWatched(hung, MPI_COMM_SELF, env, rows, MeasureRun);
  EXPECT_EQ(r.status, RunStatus::kTimeout);
  EXPECT_TRUE(Contains(r.message, "abandoned: no repetition boundary")) << r.message;
  EXPECT_TRUE(Contains(r.message, "(its thread is left behind)")) << r.message;
  EXPECT_TRUE(RunThreadsLeftBehind(MPI_COMM_WORLD));
  EXPECT_GE(python::ThreadsInside(), 1);
  // Python still serves other runs (the spinning thread gives the GIL up every interval).
  const RunOutcome after = Measure(PythonTask("count", "serial", {1, 1}, 1000), MPI_COMM_SELF);
  EXPECT_EQ(after.status, RunStatus::kOk) << after.message;
}

// A thread the Python code leaves running would make Py_FinalizeEx wait for ever: the
// interpreter is then left unfinalised (and says so), not joined.
TEST(PythonKernel, ANonDaemonThreadLeftRunningDoesNotHangTheFinalisation) {
  const std::string path = WriteModule("leaves_thread", R"py(
import threading
def leave(begin, end):  # daemon=False: a thread made on parlab's workers is a daemon by default
    threading.Thread(target=threading.Event().wait, name="left-behind", daemon=False).start()
    return 0
def release(begin, end):  # each run loads the module anew: the thread is found by name
    for thread in threading.enumerate():
        if thread.name == "left-behind":
            thread._target.__self__.set()  # the Event whose wait() it runs
            thread.join()
    return 0
)py");
  const auto call = [&](const char* function) {
    return Measure(PythonUserTask(path, function, "serial", {1, 1}, 1, 1), MPI_COMM_SELF).status;
  };
  ASSERT_EQ(call("leave"), RunStatus::kOk);
  EXPECT_EQ(python::NonDaemonThreads(), "left-behind");
  EXPECT_EQ(python::Finalize(), python::Finalization::kThreadsLeft);
  EXPECT_TRUE(python::Running());
  EXPECT_EQ(call("release"), RunStatus::kOk);
  EXPECT_EQ(python::NonDaemonThreads(), "");
}

// Finalises the interpreter once every test has run, as the end of parlab does.
class FinalizeAtTheEnd : public ::testing::Environment {
 public:
  void TearDown() override {
    const python::Finalization outcome = python::Finalize();
    if (g_thread_left_inside) {
      EXPECT_EQ(outcome, python::Finalization::kThreadInside) << python::FinalizationName(outcome);
      return;
    }
    if (!python::Running() && outcome == python::Finalization::kNotStarted) return;  // filtered
    EXPECT_EQ(outcome, python::Finalization::kFinalized) << python::FinalizationName(outcome);
    EXPECT_FALSE(python::Running());
    EXPECT_THROW({ python::Gil gil; }, std::runtime_error);
    EXPECT_EQ(python::Finalize(), python::Finalization::kAlreadyDone);
    if (!g_atexit_marker.empty()) {
      EXPECT_TRUE(std::filesystem::exists(g_atexit_marker)) << "atexit handlers did not run";
      std::filesystem::remove(g_atexit_marker);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kFinalize =
    ::testing::AddGlobalTestEnvironment(new FinalizeAtTheEnd);

}  // namespace
}  // namespace parlab
