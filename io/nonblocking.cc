#include "io/nonblocking.h"

#include "core/collective.h"

namespace parlab {

NonblockingMpiIoBackend::~NonblockingMpiIoBackend() {
  if (request_ == MPI_REQUEST_NULL) return;
  if (RunIsAbandoned() && collective_)
    MPI_Request_free(&request_);  // the other ranks of the collective write are gone
  else
    MPI_Wait(&request_, MPI_STATUS_IGNORE);
}

std::string NonblockingMpiIoBackend::Post(const void* data) {
  const BackendTarget& t = file_->target();
  if (t.local_bytes > kMaxPiece) return "nonblocking modes write at most 1 GiB per rank";
  const auto offset = static_cast<MPI_Offset>(t.offset);
  const int count = static_cast<int>(t.local_bytes);
  const int code = collective_
                       ? MPI_File_iwrite_at_all(file_->get(), offset, data, count, MPI_BYTE, &request_)
                       : MPI_File_iwrite_at(file_->get(), offset, data, count, MPI_BYTE, &request_);
  posted_ = code == MPI_SUCCESS;
  return posted_ ? "" : MpiIoError(call(), t.path, code);
}

std::string NonblockingMpiIoBackend::Test(bool* done) {
  *done = true;
  if (!posted_) return "";
  int flag = 0;
  MPI_Status status;
  const int code = MPI_Test(&request_, &flag, &status);
  if (code != MPI_SUCCESS) return MpiIoError("MPI_Test", file_->target().path, code);
  *done = flag != 0;
  return *done ? Completed(status) : "";
}

std::string NonblockingMpiIoBackend::Wait() {
  if (!posted_) return "";
  MPI_Status status;
  const int code = MPI_Wait(&request_, &status);
  if (code != MPI_SUCCESS) return MpiIoError("MPI_Wait for the write", file_->target().path, code);
  return Completed(status);
}

std::string NonblockingMpiIoBackend::Completed(const MPI_Status& status) {
  posted_ = false;
  return file_->CheckWritten(call(), MPI_SUCCESS, status, static_cast<int>(file_->target().local_bytes));
}

}  // namespace parlab
