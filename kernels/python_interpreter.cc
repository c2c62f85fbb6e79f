#include "kernels/python_interpreter.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "kernels/python_embed.h"

namespace parlab::python {
namespace {

// The driver module `_parlab`, made at start-up: formats errors, loads user modules,
// checks task functions and runs coroutines concurrently on an event loop.
constexpr const char* kDriverSource = R"py(
import asyncio, importlib.util, inspect, os, sys, traceback

_ASYNCIO = os.path.dirname(asyncio.__file__) + os.sep  # its frames say nothing of the task

class TaskError(Exception):
    """A task configured wrongly: reported as its message alone, without a traceback."""

def one_line(exc):
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    message = " ".join(str(exc).split())
    if isinstance(exc, TaskError):
        return message
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename != "<parlab-driver>" and not f.filename.startswith(_ASYNCIO)]
    where = " > ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in frames[-8:])
    text = type(exc).__name__ + (": " + message if message else "")
    return text + (f" (traceback: {where})" if where else "")

def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise TaskError(f"module = '{path}' is not a Python source file (.py)")
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)  # its sibling modules import, as for a script
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module

def task_function(module, path, key, name, coroutine):
    fn = getattr(module, name, None)
    if fn is None:
        raise TaskError(f"{key} = '{name}': {path} has no such function")
    if not callable(fn):
        raise TaskError(f"{key} = '{name}': in {path} it is a {type(fn).__name__}, not a function")
    if coroutine != inspect.iscoroutinefunction(fn):
        raise TaskError(f"{key} = '{name}': in {path} it is " +
                        ("not a coroutine function (async def)" if coroutine
                         else "a coroutine function: give it as coroutine = (async model)"))
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn  # no signature to check (a builtin): the first call will tell
    try:
        signature.bind(0, 0)
    except TypeError as error:
        raise TaskError(f"{key} = '{name}': {path} defines {name}{signature}, which cannot be "
                        f"called as {name}(begin, end): {error}") from None
    return fn

async def _all(fn, calls):
    tasks = [asyncio.ensure_future(fn(*call)) for call in calls]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise

def run_concurrently(loop, fn, calls):
    return loop.run_until_complete(_all(fn, calls))

def non_daemon_threads():
    """Names of the threads Python code left running that interpreter shutdown would join."""
    import threading
    return ", ".join(t.name for t in threading.enumerate()
                     if t.is_alive() and not t.daemon and t is not threading.main_thread())

def start_join_seconds(method, times, executable):
    """Median seconds of Process(target=os.getpid).start() + join() under one start method
    (`parlab primitives`); spawn starts `executable`: an embedded interpreter's
    sys.executable is not a Python."""
    import multiprocessing, statistics, time
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

enum class State { kIdle, kStarting, kRunning, kFailed, kStopping, kFinalized };

struct Host {
  std::mutex mutex;
  std::condition_variable changed;
  State state = State::kIdle;
  std::string error;
  int inside = 0;
  int finalize_status = 0;
  std::thread thread;
};

// Never deleted: a thread left inside Python may still reach it at exit.
Host& TheHost() {
  static Host* host = new Host;
  return *host;
}

std::string StatusText(const PyStatus& status) {
  std::string text = status.err_msg != nullptr ? status.err_msg : "unknown error";
  if (status.func != nullptr) text = std::string(status.func) + ": " + text;
  return text;
}

// On the host thread. Isolated: PYTHON* variables, the user site and the current
// directory do not change what runs; no signal handlers (parlab's own stay in place).
std::string InitializeInterpreter() {
#if defined(PARLAB_ASAN)
  // Every Python object from malloc, so LeakSanitizer sees the objects parlab would leak.
  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.allocator = PYMEM_ALLOCATOR_MALLOC;
  const PyStatus pre = Py_PreInitialize(&preconfig);
  if (PyStatus_Exception(pre)) return "cannot start CPython: " + StatusText(pre);
#endif
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  PyStatus status = PyConfig_SetBytesString(&config, &config.home, PARLAB_PYTHON_HOME);
  if (!PyStatus_Exception(status))
    status = PyConfig_SetBytesString(&config, &config.program_name, PARLAB_PYTHON_PROGRAM);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) return "cannot start CPython: " + StatusText(status);
  // threading's main thread is this one, which also finalises: its shutdown runs cleanly.
  Ref threading(PyImport_ImportModule("threading"));
  Ref code(Py_CompileString(kDriverSource, "<parlab-driver>", Py_file_input));
  Ref driver(code ? PyImport_ExecCodeModule("_parlab", code.get()) : nullptr);
  if (!threading || !driver) {
    PyErr_Print();
    return "cannot set up the embedded CPython (see the Python error above)";
  }
  return "";
}

void HostMain(Host& host) {
  const std::string error = InitializeInterpreter();
  PyThreadState* main_state = error.empty() ? PyEval_SaveThread() : nullptr;
  std::unique_lock lock(host.mutex);
  host.state = error.empty() ? State::kRunning : State::kFailed;
  host.error = error;
  host.changed.notify_all();
  if (!error.empty()) return;
  host.changed.wait(lock, [&] { return host.state == State::kStopping; });
  lock.unlock();
  PyEval_RestoreThread(main_state);
  const int status = Py_FinalizeEx();
  lock.lock();
  host.finalize_status = status;
  host.state = State::kFinalized;
  host.changed.notify_all();
}

// Finalises at exit (static destruction), after main() returned: never after std::_Exit,
// which parlab uses when a run's thread was left behind.
struct FinalizeAtExit {
  ~FinalizeAtExit() {
    if (Finalize() == Finalization::kThreadsLeft)
      std::fprintf(stderr, "parlab: warning: the embedded CPython is not finalised (atexit "
                   "handlers do not run): Python code left non-daemon threads running: %s\n",
                   NonDaemonThreads().c_str());
  }
};

void StartLocked(Host& host, std::unique_lock<std::mutex>& lock) {
  static FinalizeAtExit finalize_at_exit;
  if (host.state == State::kIdle) {
    host.state = State::kStarting;
    host.thread = std::thread(HostMain, std::ref(host));
  }
  host.changed.wait(lock, [&] { return host.state != State::kStarting; });
  if (host.state == State::kFailed) {
    if (host.thread.joinable()) host.thread.join();  // it has returned (or is returning)
    throw std::runtime_error("python: " + host.error);
  }
  if (host.state != State::kRunning)
    throw std::runtime_error("python: the embedded interpreter has been finalised");
}

}  // namespace

void Start() {
  Host& host = TheHost();
  std::unique_lock lock(host.mutex);
  StartLocked(host, lock);
}

bool Running() {
  Host& host = TheHost();
  std::lock_guard lock(host.mutex);
  return host.state == State::kRunning;
}

int ThreadsInside() {
  Host& host = TheHost();
  std::lock_guard lock(host.mutex);
  return host.inside;
}

Gil::Gil() {
  Host& host = TheHost();
  {
    std::unique_lock lock(host.mutex);
    StartLocked(host, lock);
    ++host.inside;
  }
  state_ = static_cast<int>(PyGILState_Ensure());
}

Gil::~Gil() {
  PyGILState_Release(static_cast<PyGILState_STATE>(state_));
  Host& host = TheHost();
  std::lock_guard lock(host.mutex);
  --host.inside;
}

Finalization Finalize() {
  Host& host = TheHost();
  std::unique_lock lock(host.mutex);
  switch (host.state) {
    case State::kIdle:
    case State::kFailed:
      return Finalization::kNotStarted;
    case State::kStarting:  // cannot be: starting holds callers until it is done
    case State::kStopping:
    case State::kFinalized:
      return Finalization::kAlreadyDone;
    case State::kRunning:
      break;
  }
  if (host.inside > 0) return Finalization::kThreadInside;
  lock.unlock();
  // Py_FinalizeEx joins every non-daemon thread (threading._shutdown): one that never ends
  // would hang the process at exit.
  if (!NonDaemonThreads().empty()) return Finalization::kThreadsLeft;
  lock.lock();
  if (host.state != State::kRunning) return Finalization::kAlreadyDone;
  if (host.inside > 0) return Finalization::kThreadInside;
  host.state = State::kStopping;
  host.changed.notify_all();
  host.changed.wait(lock, [&] { return host.state == State::kFinalized; });
  lock.unlock();
  host.thread.join();
  return host.finalize_status == 0 ? Finalization::kFinalized : Finalization::kFailed;
}

std::string NonDaemonThreads() {
  if (!Running()) return "";
  try {
    Gil gil;
    Ref names = CallDriver("non_daemon_threads", Ref(PyTuple_New(0)), "non_daemon_threads");
    const char* text = PyUnicode_AsUTF8(names.get());
    if (text == nullptr) PyErr_Clear();
    return text != nullptr ? text : "";
  } catch (const std::exception&) {
    return "";  // finalised meanwhile, or Python failed: nothing known to wait for
  }
}

const char* FinalizationName(Finalization outcome) {
  switch (outcome) {
    case Finalization::kNotStarted:
      return "not started";
    case Finalization::kFinalized:
      return "finalized";
    case Finalization::kFailed:
      return "Py_FinalizeEx failed";
    case Finalization::kThreadInside:
      return "skipped: a thread is still inside Python";
    case Finalization::kAlreadyDone:
      return "already finalized";
    case Finalization::kThreadsLeft:
      return "skipped: Python code left non-daemon threads running";
  }
  return "?";
}

std::string Version() {
  std::string version = Py_GetVersion();  // "3.11.2 (main, ...) [GCC 12.2.0]"
  return "CPython " + version.substr(0, version.find(' ')) + " (embedded)";
}

std::string TakeError() {
  if (!PyErr_Occurred()) return "no Python exception set";
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (value != nullptr && traceback != nullptr) PyException_SetTraceback(value, traceback);
  Ref type_ref(type), exception(value), traceback_ref(traceback);
  if (!exception) return "Python exception without a value";
  Ref driver(PyImport_ImportModule("_parlab"));
  Ref text(driver ? PyObject_CallMethod(driver.get(), "one_line", "O", exception.get()) : nullptr);
  const char* utf8 = text ? PyUnicode_AsUTF8(text.get()) : nullptr;
  if (utf8 != nullptr) return utf8;
  PyErr_Clear();
  Ref type_name(
      PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(exception.get())), "__name__"));
  const char* name = type_name ? PyUnicode_AsUTF8(type_name.get()) : nullptr;
  PyErr_Clear();
  return std::string(name != nullptr ? name : "exception") + " (its message could not be read)";
}

Ref Check(PyObject* result, const std::string& context) {
  if (result == nullptr) throw PythonError(context + ": " + TakeError());
  return Ref(result);
}

Ref CallDriver(const char* function, const Ref& args, const std::string& context) {
  Ref driver = Check(PyImport_ImportModule("_parlab"), context);
  Ref callable = Check(PyObject_GetAttrString(driver.get(), function), context);
  return Check(PyObject_CallObject(callable.get(), args.get()), context);
}

}  // namespace parlab::python
