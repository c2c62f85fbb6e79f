// mode = "blocking": MPI_File_write_at_all, the collective blocking write.
#include <algorithm>

#include "io/mpiio.h"

namespace parlab {
namespace {

class BlockingBackend final : public IoBackend {
 public:
  explicit BlockingBackend(std::unique_ptr<MpiIoFile> file) : file_(std::move(file)) {}

  std::string Write(const void* data) override {
    const BackendTarget& t = file_->target();
    // Every rank makes the same number of collective calls, however many pieces it has.
    std::uint64_t pieces = (t.local_bytes + kMaxPiece - 1) / kMaxPiece, most = pieces;
    MPI_Allreduce(&pieces, &most, 1, MPI_UINT64_T, MPI_MAX, t.comm);
    const auto* bytes = static_cast<const char*>(data);
    std::string error;
    for (std::uint64_t p = 0; p < std::max<std::uint64_t>(most, 1); ++p) {
      const std::uint64_t begin = std::min(t.local_bytes, p * kMaxPiece);
      const int count = static_cast<int>(std::min(kMaxPiece, t.local_bytes - begin));
      MPI_Status status;
      const int code = MPI_File_write_at_all(file_->get(), static_cast<MPI_Offset>(t.offset + begin),
                                             bytes + begin, count, MPI_BYTE, &status);
      if (error.empty()) error = file_->CheckWritten("MPI_File_write_at_all", code, status, count);
    }
    return error;
  }
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
