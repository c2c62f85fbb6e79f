// mode = "independent": MPI_File_write_at, each rank on its own.
#include "io/mpiio.h"

namespace parlab {
namespace {

class IndependentBackend final : public IoBackend {
 public:
  explicit IndependentBackend(std::unique_ptr<MpiIoFile> file) : file_(std::move(file)) {}

  std::string Write(const void* data) override { return file_->WriteAt(data); }
  std::string Sync() override { return file_->Sync(); }
  std::string ReadBack(void* buffer) override { return file_->ReadBack(buffer); }
  std::string HintsInEffect() const override { return file_->HintsInEffect(); }

 private:
  std::unique_ptr<MpiIoFile> file_;
};

}  // namespace

std::unique_ptr<IoBackend> OpenIndependentBackend(const BackendTarget& target, std::string* error) {
  auto file = std::make_unique<MpiIoFile>(target, error);
  if (!error->empty()) return nullptr;
  return std::make_unique<IndependentBackend>(std::move(file));
}

}  // namespace parlab
