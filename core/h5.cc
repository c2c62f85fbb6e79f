#include "core/h5.h"

#include <stdexcept>

namespace parlab::h5 {
namespace {

Handle DataspaceFor(const std::vector<hsize_t>& dims) {
  if (dims.empty()) return {Check(H5Screate(H5S_SCALAR), "create a scalar dataspace"), H5Sclose};
  return {Check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                "create a dataspace"),
          H5Sclose};
}

void WriteAttribute(hid_t object, const std::string& name, hid_t type, hid_t space,
                    const void* data) {
  if (H5Aexists(object, name.c_str()) > 0)
    Check(H5Adelete(object, name.c_str()), "replace attribute '" + name + "'", 0);
  Handle attr(Check(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                    "create attribute '" + name + "'"),
              H5Aclose);
  Check(H5Awrite(attr, type, data), "write attribute '" + name + "'", 0);
}

Handle VariableString() {
  Handle type(Check(H5Tcopy(H5T_C_S1), "copy the string type"), H5Tclose);
  Check(H5Tset_size(type, H5T_VARIABLE), "make a variable-length string type", 0);
  Check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8 strings", 0);
  return type;
}

}  // namespace

void Handle::CloseOrThrow(const std::string& what) {
  if (id_ < 0 || closer_ == nullptr) return;
  const herr_t status = closer_(id_);
  id_ = -1;
  Check(status, what, 0);
}

hid_t Check(hid_t id, const std::string& what) {
  if (id < 0) throw std::runtime_error("HDF5: cannot " + what);
  return id;
}

void Check(herr_t status, const std::string& what, int) {
  if (status < 0) throw std::runtime_error("HDF5: cannot " + what);
}

void SilenceErrorStack() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle CreateGroup(hid_t parent, const std::string& name) {
  return {Check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "create group '" + name + "'"),
          H5Gclose};
}

Handle OpenGroup(hid_t parent, const std::string& name) {
  return {Check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "open group '" + name + "'"),
          H5Gclose};
}

void SetAttribute(hid_t object, const std::string& name, const std::string& value) {
  SetAttribute(object, name, value.c_str());
}

void SetAttribute(hid_t object, const std::string& name, const char* value) {
  Handle type = VariableString();
  Handle space = DataspaceFor({});
  WriteAttribute(object, name, type, space, &value);
}

void SetAttribute(hid_t object, const std::string& name, double value) {
  Handle space = DataspaceFor({});
  WriteAttribute(object, name, H5T_NATIVE_DOUBLE, space, &value);
}

void SetAttribute(hid_t object, const std::string& name, std::int64_t value) {
  Handle space = DataspaceFor({});
  WriteAttribute(object, name, H5T_NATIVE_INT64, space, &value);
}

void SetAttribute(hid_t object, const std::string& name, int value) {
  SetAttribute(object, name, static_cast<std::int64_t>(value));
}

void SetAttribute(hid_t object, const std::string& name, const std::vector<std::string>& values) {
  Handle type = VariableString();
  if (values.empty()) {  // an empty list: a null dataspace, nothing to write
    if (H5Aexists(object, name.c_str()) > 0)
      Check(H5Adelete(object, name.c_str()), "replace attribute '" + name + "'", 0);
    Handle space(Check(H5Screate(H5S_NULL), "create a null dataspace"), H5Sclose);
    Handle attr(Check(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                      "create attribute '" + name + "'"),
                H5Aclose);
    return;
  }
  Handle space = DataspaceFor({values.size()});
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  WriteAttribute(object, name, type, space, pointers.data());
}

Handle CreateDataset(hid_t parent, const std::string& name, hid_t type,
                     const std::vector<hsize_t>& dims, const std::string& units,
                     const std::string& description) {
  Handle space = DataspaceFor(dims);
  Handle dataset(Check(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT,
                                  H5P_DEFAULT),
                       "create dataset '" + name + "'"),
                 H5Dclose);
  SetAttribute(dataset, "units", units);
  SetAttribute(dataset, "description", description);
  return dataset;
}

namespace {

// The collective H5Dwrite both helpers end with; every rank calls it, some with nothing.
void CollectiveWrite(hid_t dataset, hid_t memory_type, hid_t memory_space, hid_t file_space,
                     const void* data) {
  Handle transfer(Check(H5Pcreate(H5P_DATASET_XFER), "create a transfer property list"),
                  H5Pclose);
  Check(H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE), "request collective I/O", 0);
  Check(H5Dwrite(dataset, memory_type, memory_space, file_space, transfer, data),
        "write a dataset", 0);
}

}  // namespace

void WriteFrom(bool writer, hid_t dataset, hid_t memory_type, const void* data) {
  Handle file_space(Check(H5Dget_space(dataset), "get a dataset's dataspace"), H5Sclose);
  Handle memory_space(Check(H5Scopy(file_space), "copy a dataspace"), H5Sclose);
  if (!writer) {
    Check(H5Sselect_none(file_space), "select nothing", 0);
    Check(H5Sselect_none(memory_space), "select nothing", 0);
  }
  CollectiveWrite(dataset, memory_type, memory_space, file_space, data);
}

void WriteBlock(bool mine, hid_t dataset, hid_t memory_type, const std::vector<hsize_t>& start,
                const std::vector<hsize_t>& count, const void* data) {
  Handle file_space(Check(H5Dget_space(dataset), "get a dataset's dataspace"), H5Sclose);
  Handle memory_space = DataspaceFor(count);
  if (mine) {
    Check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          "select a block", 0);
  } else {
    Check(H5Sselect_none(file_space), "select nothing", 0);
    Check(H5Sselect_none(memory_space), "select nothing", 0);
  }
  CollectiveWrite(dataset, memory_type, memory_space, file_space, data);
}

Handle StringType(const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size() + 1);
  Handle type(Check(H5Tcopy(H5T_C_S1), "copy the string type"), H5Tclose);
  Check(H5Tset_size(type, width), "size a string type", 0);
  Check(H5Tset_strpad(type, H5T_STR_NULLTERM), "pad a string type", 0);
  return type;
}

std::vector<char> PackStrings(const std::vector<std::string>& values, std::size_t width) {
  std::vector<char> packed(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i].copy(packed.data() + i * width, std::min(values[i].size(), width - 1));
  return packed;
}

}  // namespace parlab::h5
