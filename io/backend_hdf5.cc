// mode = "hdf5": a collective H5Dwrite of one byte dataset through parallel HDF5 (MPI-IO
// driver), flushed with H5Fflush.
#include <hdf5.h>

#include "core/h5.h"
#include "core/mpi_util.h"
#include "io/backend.h"

namespace parlab {
namespace {

class Hdf5Backend final : public IoBackend {
 public:
  Hdf5Backend(const BackendTarget& target, h5::Handle file, h5::Handle dataset)
      : target_(target), file_(std::move(file)), dataset_(std::move(dataset)) {}

  std::string Write(const void* data) override {
    try {
      h5::Handle file_space = Selection();
      const hsize_t count[1] = {target_.local_bytes};
      h5::Handle memory_space(h5::Check(H5Screate_simple(1, count, nullptr), "create a dataspace"),
                              H5Sclose);
      h5::Handle transfer(h5::Check(H5Pcreate(H5P_DATASET_XFER), "create transfer properties"),
                          H5Pclose);
      h5::Check(H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE), "request collective I/O", 0);
      h5::Check(H5Dwrite(dataset_, H5T_NATIVE_UINT8, memory_space, file_space, transfer, data),
                "write", 0);
    } catch (const std::exception&) {
      return "H5Dwrite failed on " + target_.path;
    }
    return "";
  }

  std::string Sync() override {
    return H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0 ? "H5Fflush failed on " + target_.path : "";
  }

  std::string ReadBack(void* buffer) override {
    try {
      h5::Handle file_space = Selection();
      const hsize_t count[1] = {target_.local_bytes};
      h5::Handle memory_space(h5::Check(H5Screate_simple(1, count, nullptr), "create a dataspace"),
                              H5Sclose);
      h5::Check(H5Dread(dataset_, H5T_NATIVE_UINT8, memory_space, file_space, H5P_DEFAULT, buffer),
                "read", 0);
    } catch (const std::exception&) {
      return "H5Dread failed on " + target_.path;
    }
    return "";
  }

 private:
  // This rank's bytes of the dataset.
  h5::Handle Selection() const {
    h5::Handle space(h5::Check(H5Dget_space(dataset_), "get the dataspace"), H5Sclose);
    const hsize_t start[1] = {target_.offset}, count[1] = {target_.local_bytes};
    h5::Check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr),
              "select this rank's bytes", 0);
    return space;
  }

  BackendTarget target_;
  h5::Handle file_;
  h5::Handle dataset_;
};

}  // namespace

std::unique_ptr<IoBackend> OpenHdf5Backend(const BackendTarget& target, std::string* error) {
  h5::SilenceErrorStack();
  try {
    h5::Handle access(h5::Check(H5Pcreate(H5P_FILE_ACCESS), "create file access properties"),
                      H5Pclose);
    const InfoHandle info = MakeInfo(target.hints);
    h5::Check(H5Pset_fapl_mpio(access, target.comm, info.get()), "select the MPI-IO driver", 0);
    h5::Handle file(H5Fcreate(target.path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access), H5Fclose);
    if (file.get() < 0) {
      *error = "cannot create HDF5 file " + target.path;
      return nullptr;
    }
    const hsize_t dims[1] = {target.file_bytes};
    h5::Handle space(h5::Check(H5Screate_simple(1, dims, nullptr), "create a dataspace"), H5Sclose);
    h5::Handle dataset(H5Dcreate2(file, "checkpoint", H5T_NATIVE_UINT8, space, H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
    if (dataset.get() < 0) {
      *error = "cannot create a dataset in " + target.path;
      return nullptr;
    }
    return std::make_unique<Hdf5Backend>(target, std::move(file), std::move(dataset));
  } catch (const std::exception& e) {
    *error = target.path + ": " + e.what();
    return nullptr;
  }
}

}  // namespace parlab
