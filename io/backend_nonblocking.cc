// mode = "nonblocking": MPI_File_iwrite_at_all, the collective nonblocking write, posted
// and later tested or waited for.
#include "core/collective.h"
#include "io/fs.h"
#include "io/mpiio.h"

namespace parlab {
namespace {

class NonblockingBackend final : public IoBackend {
 public:
  explicit NonblockingBackend(std::unique_ptr<MpiIoFile> file) : file_(std::move(file)) {}
  ~NonblockingBackend() override {
    if (request_ == MPI_REQUEST_NULL) return;
    if (RunIsAbandoned())
      MPI_Request_free(&request_);  // the other ranks of the collective write are gone
    else
      MPI_Wait(&request_, MPI_STATUS_IGNORE);
  }

  std::string Post(const void* data) override {
    const BackendTarget& t = file_->target();
    if (t.local_bytes > kMaxPiece) return "nonblocking mode writes at most 1 GiB per rank";
    const int code = MPI_File_iwrite_at_all(file_->get(), static_cast<MPI_Offset>(t.offset), data,
                                            static_cast<int>(t.local_bytes), MPI_BYTE, &request_);
    return code == MPI_SUCCESS ? "" : MpiIoError("MPI_File_iwrite_at_all", t.path, code);
  }
  std::string Test(bool* done) override {
    int flag = 1;
    const int code = request_ == MPI_REQUEST_NULL ? MPI_SUCCESS
                                                  : MPI_Test(&request_, &flag, MPI_STATUS_IGNORE);
    *done = flag != 0;
    return code == MPI_SUCCESS ? "" : MpiIoError("MPI_Test", file_->target().path, code);
  }
  std::string Wait() override {
    const int code = MPI_Wait(&request_, MPI_STATUS_IGNORE);
    return code == MPI_SUCCESS ? "" : MpiIoError("MPI_Wait for the write", file_->target().path, code);
  }
  std::string Sync() override { return file_->Sync(); }
  std::string ReadBack(void* buffer) override { return file_->ReadBack(buffer); }
  std::string HintsInEffect() const override { return file_->HintsInEffect(); }

 private:
  std::unique_ptr<MpiIoFile> file_;
  MPI_Request request_ = MPI_REQUEST_NULL;
};

}  // namespace

std::unique_ptr<IoBackend> OpenNonblockingBackend(const BackendTarget& target, std::string* error) {
  auto file = std::make_unique<MpiIoFile>(target, error);
  if (error->empty() && RomioSelected())
    *error = "nonblocking collective I/O is avoided with ROMIO, whose MPI_File_iwrite_at_all "
             "crashes in this Open MPI: use OMPIO (unset OMPI_MCA_io) or another mode";
  if (!error->empty()) return nullptr;
  return std::make_unique<NonblockingBackend>(std::move(file));
}

}  // namespace parlab
