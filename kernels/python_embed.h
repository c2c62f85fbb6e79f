// CPython object helpers for the python kernel's own files (includes Python.h, whose
// feature macros agree with g++'s _GNU_SOURCE defaults, so include order does not matter).
// Every function here needs the GIL (python::Gil).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace parlab::python {

// An owned (new) reference, released on every path. Reset or destroy it with the GIL held.
class Ref {
 public:
  Ref() = default;
  explicit Ref(PyObject* owned) : object_(owned) {}
  static Ref Borrowed(PyObject* borrowed) {
    Py_XINCREF(borrowed);
    return Ref(borrowed);
  }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref(Ref&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  Ref& operator=(Ref&& other) noexcept {
    reset(std::exchange(other.object_, nullptr));
    return *this;
  }
  ~Ref() { Py_XDECREF(object_); }

  void reset(PyObject* owned = nullptr) { Py_XDECREF(std::exchange(object_, owned)); }
  PyObject* get() const { return object_; }
  // Gives the reference up without releasing it (when the interpreter is gone).
  PyObject* release() { return std::exchange(object_, nullptr); }
  explicit operator bool() const { return object_ != nullptr; }

 private:
  PyObject* object_ = nullptr;
};

// The pending Python exception as one line, and cleared: "ZeroDivisionError: division by
// zero (traceback: task.py:3 in work > task.py:9 in helper)". A TaskError raised by the
// driver (a task configured wrongly) gives its message alone.
std::string TakeError();

// Thrown for a Python exception, with TakeError()'s line.
class PythonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `result` as an owned reference; throws PythonError(context + ": " + TakeError()) when it
// is null (the call that returned it raised).
Ref Check(PyObject* result, const std::string& context);

// Calls `function(*args)` of the driver module `_parlab` (python_driver.py.inc); `args` is a
// tuple. Throws PythonError as Check does.
Ref CallDriver(const char* function, const Ref& args, const std::string& context);

}  // namespace parlab::python
