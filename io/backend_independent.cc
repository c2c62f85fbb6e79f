// mode = "independent": MPI_File_write_at, each rank on its own.
#include <algorithm>

#include "io/mpiio.h"

namespace parlab {
namespace {

class IndependentBackend final : public IoBackend {
 public:
  explicit IndependentBackend(std::unique_ptr<MpiIoFile> file) : file_(std::move(file)) {}

  std::string Write(const void* data) override {
    const BackendTarget& t = file_->target();
    const auto* bytes = static_cast<const char*>(data);
    for (std::uint64_t begin = 0; begin < t.local_bytes || begin == 0; begin += kMaxPiece) {
      const int count = static_cast<int>(std::min(kMaxPiece, t.local_bytes - begin));
      MPI_Status status;
      const int code = MPI_File_write_at(file_->get(), static_cast<MPI_Offset>(t.offset + begin),
                                         bytes + begin, count, MPI_BYTE, &status);
      const std::string error = file_->CheckWritten("MPI_File_write_at", code, status, count);
      if (!error.empty() || t.local_bytes == 0) return error;
    }
    return "";
  }
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
