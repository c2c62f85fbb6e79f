// mode = "blocking": MPI_File_write_at_all, the collective blocking write.
#include "io/mpiio.h"

namespace parlab {
namespace {

class BlockingBackend final : public IoBackend {
 public:
  explicit BlockingBackend(std::unique_ptr<MpiIoFile> file) : file_(std::move(file)) {}

  std::string Write(const void* data) override { return file_->WriteAtAll(data); }
  std::string Sync() override { return file_->Sync(); }
  std::string ReadBack(void* buffer) override { return file_->ReadBack(buffer); }
  std::string HintsInEffect() const override { return file_->HintsInEffect(); }

 private:
  std::unique_ptr<MpiIoFile> file_;
};

}  // namespace

std::unique_ptr<IoBackend> OpenBlockingBackend(const BackendTarget& target, std::string* error) {
  auto file = std::make_unique<MpiIoFile>(target, error);
  if (!error->empty()) return nullptr;
  return std::make_unique<BlockingBackend>(std::move(file));
}

}  // namespace parlab
