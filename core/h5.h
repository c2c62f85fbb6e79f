// RAII for HDF5 identifiers and the few typed helpers the report needs. Every failure
// throws with the object's name and the file, never prints HDF5's error stack.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace parlab::h5 {

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { Close(); }
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      Close();
      id_ = other.id_;
      closer_ = other.closer_;
      other.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: handles pass straight to the C API
  // Closes now and reports failure (a destructor cannot).
  void CloseOrThrow(const std::string& what);

 private:
  void Close() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = -1;
  }
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// Throws std::runtime_error("HDF5: cannot <what>") when id < 0.
hid_t Check(hid_t id, const std::string& what);
void Check(herr_t status, const std::string& what, int /*tag*/);

// Stops HDF5 from printing its error stack; parlab reports errors itself.
void SilenceErrorStack();

Handle CreateGroup(hid_t parent, const std::string& name);
Handle OpenGroup(hid_t parent, const std::string& name);

void SetAttribute(hid_t object, const std::string& name, const std::string& value);
void SetAttribute(hid_t object, const std::string& name, const char* value);
void SetAttribute(hid_t object, const std::string& name, double value);
void SetAttribute(hid_t object, const std::string& name, std::int64_t value);
void SetAttribute(hid_t object, const std::string& name, int value);
void SetAttribute(hid_t object, const std::string& name, const std::vector<std::string>& values);

// Creates a dataset of the given shape and attaches its `units` and `description`.
Handle CreateDataset(hid_t parent, const std::string& name, hid_t type,
                     const std::vector<hsize_t>& dims, const std::string& units,
                     const std::string& description);

// Collective write in which only `writer` supplies data; other ranks select nothing.
void WriteFrom(bool writer, hid_t dataset, hid_t memory_type, const void* data);

// Collective write of one block [start, start + count) of a dataset; ranks with
// `mine == false` take part with an empty selection.
void WriteBlock(bool mine, hid_t dataset, hid_t memory_type, const std::vector<hsize_t>& start,
                const std::vector<hsize_t>& count, const void* data);

// A fixed-length string type wide enough for every value.
Handle StringType(const std::vector<std::string>& values);
std::vector<char> PackStrings(const std::vector<std::string>& values, std::size_t width);

}  // namespace parlab::h5
