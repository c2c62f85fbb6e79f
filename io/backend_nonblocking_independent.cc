// mode = "nonblocking-independent": MPI_File_iwrite_at, each rank's nonblocking write on
// its own, posted and later tested or waited for (nonblocking.h).
#include "io/nonblocking.h"

namespace parlab {

std::unique_ptr<IoBackend> OpenNonblockingIndependentBackend(const BackendTarget& target,
                                                             std::string* error) {
  auto file = std::make_unique<MpiIoFile>(target, error);
  if (!error->empty()) return nullptr;
  return std::make_unique<NonblockingMpiIoBackend>(std::move(file), false);
}

}  // namespace parlab
