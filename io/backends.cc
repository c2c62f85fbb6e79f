// The one table of checkpoint backends. Adding an I/O mode: an enum value and name in
// modes.h, a backend_<mode>.cc, and its line here.
#include <stdexcept>

#include "io/backend.h"

namespace parlab {

std::unique_ptr<IoBackend> OpenBlockingBackend(const BackendTarget&, std::string* error);
std::unique_ptr<IoBackend> OpenNonblockingBackend(const BackendTarget&, std::string* error);
std::unique_ptr<IoBackend> OpenIndependentBackend(const BackendTarget&, std::string* error);
std::unique_ptr<IoBackend> OpenHdf5Backend(const BackendTarget&, std::string* error);
std::unique_ptr<IoBackend> OpenNonblockingIndependentBackend(const BackendTarget&, std::string* error);

namespace {

constexpr const char* kWaitCrashes = "a failing nonblocking write crashes MPI_Wait";

const IoModeInfo kModes[] = {
    {IoMode::kBlocking, "MPI_File_write_at_all", "write_at_all", false, IoMode::kBlocking, 0,
     nullptr, OpenBlockingBackend},
    {IoMode::kNonblocking, "MPI_File_iwrite_at_all", "iwrite_at_all during compute", true,
     IoMode::kBlocking, 0, kWaitCrashes, OpenNonblockingBackend},
    {IoMode::kIndependent, "MPI_File_write_at", "write_at", false, IoMode::kIndependent, 0,
     nullptr, OpenIndependentBackend},
    {IoMode::kHdf5, "H5Dwrite", "collective H5Dwrite", false, IoMode::kHdf5, 1 << 20,
     "a file HDF5 cannot flush crashes MPI_Finalize", OpenHdf5Backend},
    {IoMode::kNonblockingIndependent, "MPI_File_iwrite_at", "iwrite_at during compute", true,
     IoMode::kIndependent, 0, kWaitCrashes, OpenNonblockingIndependentBackend},
};

}  // namespace

const IoModeInfo& ModeInfo(IoMode mode) {
  for (const IoModeInfo& info : kModes)
    if (info.mode == mode) return info;
  throw std::logic_error("no backend for an I/O mode");
}

std::string IoModesDoc() {
  std::string doc;
  for (const IoModeInfo& info : kModes)
    doc += (doc.empty() ? "" : " | ") + std::string(kIoModeNames.Name(info.mode)) + " (" + info.doc + ")";
  return doc;
}

std::string IoBackend::Write(const void*) { return "this I/O mode does not write blocking"; }
std::string IoBackend::Post(const void*) { return "this I/O mode does not write nonblocking"; }
std::string IoBackend::Test(bool* done) {
  *done = true;
  return "";
}
std::string IoBackend::Wait() { return ""; }

}  // namespace parlab
