// The process-wide embedded CPython interpreter (the python kernel's): started on first
// use, on a thread of its own that keeps the interpreter's main thread state and releases
// the GIL at once, so that any thread (OpenMP workers, a run's thread) takes it the way a
// native thread does, with PyGILState_Ensure. Finalised at exit on that same thread,
// unless a thread is still inside Python (a hung run the watchdog left behind): pulling
// the interpreter from under it would crash the process.
//
// This header does not include Python.h; python_embed.h has the object helpers.
#pragma once

#include <string>

namespace parlab::python {

// Holds the GIL on the calling thread for its lifetime, starting the interpreter first if
// needed. Throws std::runtime_error, with the reason, when the interpreter cannot start
// or has been finalised. Nestable; not copyable.
class Gil {
 public:
  Gil();
  ~Gil();
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

 private:
  int state_;  // PyGILState_STATE
};

// Starts the interpreter if it is not running yet (what Gil does); throws as Gil does.
void Start();

// Whether the interpreter is running (started and not finalised).
bool Running();

// Threads holding a Gil right now (inside Python, or blocked in it).
int ThreadsInside();

enum class Finalization {
  kNotStarted,    // the interpreter never ran
  kFinalized,     // Py_FinalizeEx returned 0
  kFailed,        // Py_FinalizeEx reported an error (buffered output lost)
  kThreadInside,  // skipped: a thread is still inside Python
  kAlreadyDone,   // an earlier call finalised it
  kThreadsLeft,   // skipped: Python code left non-daemon threads (Py_FinalizeEx would wait)
};

// The non-daemon threads Python code started and left running, by name ("" when none).
std::string NonDaemonThreads();

// Finalises the interpreter (on the thread that started it) unless a thread is inside, or
// Python code left a non-daemon thread running (Py_FinalizeEx would wait for it forever).
// Called at exit; tests call it to check the outcome. After it, Gil throws.
Finalization Finalize();
const char* FinalizationName(Finalization outcome);

// "CPython 3.11.2 (embedded)": what runs the python kernel's code.
std::string Version();

}  // namespace parlab::python
