// mode = "blocking": MPI_File_write_at_all, the collective blocking write.
#include "io/mpiio.h"

namespace parlab {

std::unique_ptr<IoBackend> OpenBlockingBackend(const BackendTarget& target, std::string* error) {
  auto file = std::make_unique<MpiIoFile>(target, error);
  if (!error->empty()) return nullptr;
  return std::make_unique<MpiIoBackend>(std::move(file), /*collective=*/true);
}

}  // namespace parlab
