// The one table of checkpoint backends. Adding an I/O mode: an enum value and name in
// modes.h, a backend_<mode>.cc, and its line here.
#include <stdexcept>

#include "io/backend.h"

namespace parlab {

std::unique_ptr<IoBackend> OpenBlockingBackend(const BackendTarget&, std::string* error);
std::unique_ptr<IoBackend> OpenNonblockingBackend(const BackendTarget&, std::string* error);
std::unique_ptr<IoBackend> OpenIndependentBackend(const BackendTarget&, std::string* error);
std::unique_ptr<IoBackend> OpenHdf5Backend(const BackendTarget&, std::string* error);

namespace {

const IoModeInfo kModes[] = {
    {IoMode::kBlocking, "MPI_File_write_at_all (collective, blocking)", false, 0,
     OpenBlockingBackend},
    {IoMode::kNonblocking, "MPI_File_iwrite_at_all (collective, nonblocking)", true, 0,
     OpenNonblockingBackend},
    {IoMode::kIndependent, "MPI_File_write_at (independent, blocking)", false, 0,
     OpenIndependentBackend},
    {IoMode::kHdf5, "collective H5Dwrite through parallel HDF5", false, 1 << 20, OpenHdf5Backend},
};

}  // namespace

const IoModeInfo& ModeInfo(IoMode mode) {
  for (const IoModeInfo& info : kModes)
    if (info.mode == mode) return info;
  throw std::logic_error("no backend for an I/O mode");
}

std::string IoBackend::Write(const void*) { return "this I/O mode does not write blocking"; }
std::string IoBackend::Post(const void*) { return "this I/O mode does not write nonblocking"; }
std::string IoBackend::Test(bool* done) {
  *done = true;
  return "";
}
std::string IoBackend::Wait() { return ""; }

}  // namespace parlab
