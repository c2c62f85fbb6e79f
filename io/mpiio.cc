#include "io/mpiio.h"

#include <algorithm>

#include "io/fs.h"

namespace parlab {

std::string MpiIoError(const std::string& call, const std::string& path, int code) {
  std::string text = call;
  text += " on ";
  text += path;
  if (code != MPI_SUCCESS) {
    text += ": ";
    text += MpiErrorText(code);
  }
  return text;
}

MpiIoFile::MpiIoFile(const BackendTarget& target, std::string* error) : target_(target) {
  const std::uint64_t pieces = std::max<std::uint64_t>(1, (target.local_bytes + kMaxPiece - 1) / kMaxPiece);
  MPI_Allreduce(&pieces, &most_pieces_, 1, MPI_UINT64_T, MPI_MAX, target.comm);
  const InfoHandle info = MakeInfo(target.hints);
  int code = MPI_SUCCESS;
  file_ = OpenMpiFile(target.comm, target.path, MPI_MODE_CREATE | MPI_MODE_RDWR, info.get(), &code);
  if (code != MPI_SUCCESS) {
    *error = "cannot open " + target.path + ": " + MpiErrorText(code);
    return;
  }
  MPI_File_set_errhandler(file_.get(), MPI_ERRORS_RETURN);
  const int truncate = MPI_File_set_size(file_.get(), 0);
  if (truncate != MPI_SUCCESS) *error = "cannot truncate " + target.path + ": " + MpiErrorText(truncate);
}

std::string MpiIoFile::WriteAtAll(const void* data) {
  const auto* bytes = static_cast<const char*>(data);
  std::string error;
  for (std::uint64_t p = 0; p < most_pieces_; ++p) {
    const std::uint64_t begin = std::min(target_.local_bytes, p * kMaxPiece);
    const int count = static_cast<int>(std::min(kMaxPiece, target_.local_bytes - begin));
    MPI_Status status;
    const int code = MPI_File_write_at_all(file_.get(), static_cast<MPI_Offset>(target_.offset + begin),
                                           bytes + begin, count, MPI_BYTE, &status);
    if (error.empty()) error = CheckWritten("MPI_File_write_at_all", code, status, count);
  }
  return error;
}

std::string MpiIoFile::WriteAt(const void* data) {
  const auto* bytes = static_cast<const char*>(data);
  for (std::uint64_t begin = 0; begin < target_.local_bytes || begin == 0; begin += kMaxPiece) {
    const int count = static_cast<int>(std::min(kMaxPiece, target_.local_bytes - begin));
    MPI_Status status;
    const int code = MPI_File_write_at(file_.get(), static_cast<MPI_Offset>(target_.offset + begin),
                                       bytes + begin, count, MPI_BYTE, &status);
    const std::string error = CheckWritten("MPI_File_write_at", code, status, count);
    if (!error.empty() || target_.local_bytes == 0) return error;
  }
  return "";
}

std::string MpiIoFile::Sync() {
  const int code = MPI_File_sync(file_.get());
  return code == MPI_SUCCESS ? "" : MpiIoError("MPI_File_sync", target_.path, code);
}

std::string MpiIoFile::ReadBack(void* buffer) {
  auto* bytes = static_cast<char*>(buffer);
  const std::uint64_t total = target_.local_bytes;
  for (std::uint64_t begin = 0; begin < total || begin == 0; begin += kMaxPiece) {
    const int count = static_cast<int>(std::min(kMaxPiece, total - begin));
    MPI_Status status;
    const int code = MPI_File_read_at(file_.get(), static_cast<MPI_Offset>(target_.offset + begin),
                                      bytes + begin, count, MPI_BYTE, &status);
    if (code != MPI_SUCCESS) return MpiIoError("MPI_File_read_at", target_.path, code);
    if (total == 0) break;
  }
  return "";
}

std::string MpiIoFile::CheckWritten(const char* call, int code, const MPI_Status& status,
                                    int count) const {
  if (code != MPI_SUCCESS) return MpiIoError(call, target_.path, code);
  int written = 0;
  MPI_Get_count(&status, MPI_BYTE, &written);
  if (written == count) return "";
  // Seen with OMPIO on a full file system: success returned, fewer bytes written.
  return MpiIoError(call, target_.path) + ": wrote " + std::to_string(written) + " of " +
         std::to_string(count) + " bytes though MPI reported success (" +
         std::to_string(FreeBytes(DirectoryOf(target_.path))) + " bytes free: file system full?)";
}

std::string MpiIoFile::HintsInEffect() const {
  InfoHandle info;
  if (!file_.valid() || MPI_File_get_info(file_.get(), info.out()) != MPI_SUCCESS) return "";
  int keys = 0;
  MPI_Info_get_nkeys(info.get(), &keys);
  std::string text;
  for (int k = 0; k < keys; ++k) {
    char key[MPI_MAX_INFO_KEY + 1] = {};
    MPI_Info_get_nthkey(info.get(), k, key);
    int length = 0, found = 0;
    MPI_Info_get_valuelen(info.get(), key, &length, &found);
    std::string value(static_cast<std::size_t>(length) + 1, '\0');
    MPI_Info_get(info.get(), key, length + 1, value.data(), &found);
    value.resize(static_cast<std::size_t>(length));
    if (!text.empty()) text += ';';
    text.append(key).append("=").append(value);
  }
  return text;
}

}  // namespace parlab
