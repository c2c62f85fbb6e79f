// mode = "independent": MPI_File_write_at, each rank on its own.
#include "io/mpiio.h"

namespace parlab {

std::unique_ptr<IoBackend> OpenIndependentBackend(const BackendTarget& target, std::string* error) {
  auto file = std::make_unique<MpiIoFile>(target, error);
  if (!error->empty()) return nullptr;
  return std::make_unique<MpiIoBackend>(std::move(file), /*collective=*/false);
}

}  // namespace parlab
