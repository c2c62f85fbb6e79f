// Attribute readers for tests that open a report through the HDF5 C API.
#pragma once

#include <hdf5.h>

#include <string>

namespace parlab::testing_util {

// A variable-length string attribute; "<missing NAME>" when there is none.
inline std::string StringAttribute(hid_t object, const char* name) {
  hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
  if (attr < 0) return "<missing " + std::string(name) + ">";
  hid_t type = H5Aget_type(attr);
  std::string out;
  if (H5Tis_variable_str(type) > 0) {
    char* value = nullptr;
    hid_t memory = H5Tcopy(H5T_C_S1);
    H5Tset_size(memory, H5T_VARIABLE);
    H5Tset_cset(memory, H5Tget_cset(type));
    H5Aread(attr, memory, &value);
    out = value != nullptr ? value : "";
    H5free_memory(value);
    H5Tclose(memory);
  }
  H5Tclose(type);
  H5Aclose(attr);
  return out;
}

// An integer attribute; -1 when there is none.
inline long long IntAttribute(hid_t object, const char* name) {
  long long value = -1;
  hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
  if (attr < 0) return -1;
  H5Aread(attr, H5T_NATIVE_LLONG, &value);
  H5Aclose(attr);
  return value;
}

}  // namespace parlab::testing_util
