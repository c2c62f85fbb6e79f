// mode = "nonblocking": MPI_File_iwrite_at_all, the collective nonblocking write, posted
// and later tested or waited for (nonblocking.h).
#include "io/fs.h"
#include "io/nonblocking.h"

namespace parlab {

std::unique_ptr<IoBackend> OpenNonblockingBackend(const BackendTarget& target, std::string* error) {
  auto file = std::make_unique<MpiIoFile>(target, error);
  if (error->empty() && RomioSelected())
    *error = "nonblocking collective I/O is avoided with ROMIO, whose MPI_File_iwrite_at_all "
             "crashes in this Open MPI: use OMPIO (unset OMPI_MCA_io) or another mode";
  if (!error->empty()) return nullptr;
  return std::make_unique<NonblockingMpiIoBackend>(std::move(file), true);
}

}  // namespace parlab
