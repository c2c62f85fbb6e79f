#include "io/checkpoint.h"

#include <hdf5.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "core/collective.h"

namespace parlab {
namespace {

// MPI-IO counts are ints: write in pieces of at most 1 GiB.
constexpr std::uint64_t kMaxPiece = 1ULL << 30;

class InfoHandle {
 public:
  explicit InfoHandle(const std::vector<std::pair<std::string, std::string>>& hints) {
    if (hints.empty()) return;
    MPI_Info_create(&info_);
    for (const auto& [key, value] : hints) MPI_Info_set(info_, key.c_str(), value.c_str());
  }
  ~InfoHandle() {
    if (info_ != MPI_INFO_NULL) MPI_Info_free(&info_);
  }
  MPI_Info get() const { return info_; }

 private:
  MPI_Info info_ = MPI_INFO_NULL;
};

int RankIn(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseHints(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> hints;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const std::size_t equals = item.find('=');
    if (!item.empty()) {
      if (equals == std::string::npos || equals == 0)
        throw std::invalid_argument("hint '" + item + "' is not key=value");
      hints.emplace_back(item.substr(0, equals), item.substr(equals + 1));
    }
    start = end + 1;
  }
  return hints;
}

// "<what> <path>[: <MPI error string>]", built from a std::string (GCC 12 warns falsely
// about "literal" + std::string).
std::string ErrorText(const std::string& what, const std::string& path, int code = MPI_SUCCESS) {
  std::string text = what;
  text += ' ';
  text += path;
  if (code != MPI_SUCCESS) {
    text += ": ";
    text += MpiErrorText(code);
  }
  return text;
}

std::string MpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<std::size_t>(length));
}

std::uint64_t FreeBytes(const std::string& dir) {
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) != 0) return UINT64_MAX;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

bool RomioSelected() {
  auto names_romio = [](const std::string& value) {
    return value.find("romio") != std::string::npos || value.find("^ompio") != std::string::npos;
  };
  if (const char* env = std::getenv("OMPI_MCA_io"); env != nullptr) return names_romio(env);
  std::vector<std::string> files = {"/etc/openmpi/openmpi-mca-params.conf"};
  if (const char* home = std::getenv("HOME"); home != nullptr)
    files.push_back(std::string(home) + "/.openmpi/mca-params.conf");
  bool romio = false;
  for (const auto& name : files) {
    std::ifstream in(name);
    for (std::string line; std::getline(in, line);) {
      const auto equals = line.find('=');
      if (line.empty() || line[0] == '#' || equals == std::string::npos) continue;
      std::string key = line.substr(0, equals);
      key.erase(std::remove(key.begin(), key.end(), ' '), key.end());
      if (key == "io") romio = names_romio(line.substr(equals + 1));
    }
  }
  return romio;
}

CheckpointFile::CheckpointFile(MPI_Comm comm, IoOptions options, std::uint64_t local_bytes)
    : comm_(comm), options_(std::move(options)), local_bytes_(local_bytes) {
  const bool per_rank = options_.layout == "file-per-rank";
  file_comm_ = per_rank ? MPI_COMM_SELF : comm_;
  // A name unique to this job and file: host and rank 0's pid, plus a counter.
  static int counter = 0;
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  std::string base = options_.dir + "/parlab-io-" + host + "-" + std::to_string(getpid()) +
                     "-" + std::to_string(++counter);
  base = BroadcastString(comm_, base);
  path_ = per_rank ? base + ".rank" + std::to_string(RankIn(comm_)) : base;
  path_ += options_.mode == "hdf5" ? ".h5" : ".dat";
  if (!per_rank) {
    MPI_Exscan(&local_bytes_, &offset_, 1, MPI_UINT64_T, MPI_SUM, comm_);
    if (RankIn(comm_) == 0) offset_ = 0;  // MPI_Exscan leaves rank 0's result undefined
  }
  try {
    if (options_.mode == "hdf5")
      OpenHdf5();
    else
      OpenMpi();
  } catch (...) {
    Close();  // no destructor runs for a half-built object: close and delete here
    throw;
  }
}

CheckpointFile::~CheckpointFile() { Close(); }

void CheckpointFile::Check(int code, const char* call) const {
  if (code != MPI_SUCCESS)
    throw std::runtime_error(ErrorText(std::string(call) + " on", path_, code));
}

void CheckpointFile::Agree(const std::string& error) {
  const double start = MPI_Wtime();
  AgreeOrThrow(comm_, error);
  agree_seconds_ += MPI_Wtime() - start;
}

double CheckpointFile::TakeAgreeSeconds() {
  const double seconds = agree_seconds_;
  agree_seconds_ = 0;
  return seconds;
}

void CheckpointFile::OpenMpi() {
  InfoHandle info(options_.hints);
  std::string error;
  const int code = MPI_File_open(file_comm_, path_.c_str(), MPI_MODE_CREATE | MPI_MODE_RDWR,
                                 info.get(), &file_);
  if (code != MPI_SUCCESS) {
    file_ = MPI_FILE_NULL;
    error = ErrorText("cannot open", path_, code);
  } else {
    MPI_File_set_errhandler(file_, MPI_ERRORS_RETURN);
    const int truncate = MPI_File_set_size(file_, 0);
    if (truncate != MPI_SUCCESS) error = ErrorText("cannot truncate", path_, truncate);
    if (options_.mode == "nonblocking" && RomioSelected())
      error = "nonblocking collective I/O is avoided with ROMIO, whose MPI_File_iwrite_at_all "
              "crashes in this Open MPI: use OMPIO (unset OMPI_MCA_io) or another mode";
  }
  Agree(error);
}

void CheckpointFile::OpenHdf5() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::string error;
  const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
  InfoHandle info(options_.hints);
  H5Pset_fapl_mpio(access, file_comm_, info.get());
  h5_file_ = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access);
  H5Pclose(access);
  if (h5_file_ < 0) {
    error = ErrorText("cannot create HDF5 file", path_);
  } else {
    std::uint64_t total = local_bytes_;
    if (file_comm_ != MPI_COMM_SELF)
      MPI_Allreduce(&local_bytes_, &total, 1, MPI_UINT64_T, MPI_SUM, comm_);
    const hsize_t dims[1] = {total};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    h5_dataset_ = H5Dcreate2(h5_file_, "checkpoint", H5T_NATIVE_UINT8, space, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    if (h5_dataset_ < 0) error = ErrorText("cannot create a dataset in", path_);
  }
  Agree(error);
}

void CheckpointFile::Write(const void* data) {
  std::string error;
  const auto* bytes = static_cast<const char*>(data);
  if (options_.mode == "hdf5") {
    CheckSpace("H5Dwrite", "a file HDF5 cannot flush crashes MPI_Finalize");
    const hid_t file_space = H5Dget_space(h5_dataset_);
    const hsize_t start[1] = {offset_}, count[1] = {local_bytes_};
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr);
    const hid_t memory_space = H5Screate_simple(1, count, nullptr);
    const hid_t transfer = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE);
    if (H5Dwrite(h5_dataset_, H5T_NATIVE_UINT8, memory_space, file_space, transfer, data) < 0)
      error = ErrorText("H5Dwrite failed on", path_);
    H5Pclose(transfer);
    H5Sclose(memory_space);
    H5Sclose(file_space);
    Agree(error);
    return;
  }
  // Every rank makes the same number of collective calls, however many pieces it has.
  std::uint64_t pieces = (local_bytes_ + kMaxPiece - 1) / kMaxPiece, most = pieces;
  if (options_.mode == "blocking")
    MPI_Allreduce(&pieces, &most, 1, MPI_UINT64_T, MPI_MAX, file_comm_);
  for (std::uint64_t p = 0; p < std::max<std::uint64_t>(most, 1); ++p) {
    const std::uint64_t begin = std::min(local_bytes_, p * kMaxPiece);
    const int count = static_cast<int>(std::min(kMaxPiece, local_bytes_ - begin));
    const auto at = static_cast<MPI_Offset>(offset_ + begin);
    MPI_Status status;
    const int code = options_.mode == "blocking"
                         ? MPI_File_write_at_all(file_, at, bytes + begin, count, MPI_BYTE, &status)
                         : MPI_File_write_at(file_, at, bytes + begin, count, MPI_BYTE, &status);
    const char* call = options_.mode == "blocking" ? "MPI_File_write_at_all on" : "MPI_File_write_at on";
    int written = 0;
    if (code == MPI_SUCCESS) MPI_Get_count(&status, MPI_BYTE, &written);
    if (code != MPI_SUCCESS && error.empty()) {
      error = ErrorText(call, path_, code);
    } else if (written != count && error.empty()) {
      // Seen with OMPIO on a full file system: success returned, fewer bytes written.
      error = ErrorText(call, path_);
      error += ": wrote " + std::to_string(written) + " of " + std::to_string(count) +
               " bytes though MPI reported success (" + std::to_string(FreeBytes(options_.dir)) +
               " bytes free: file system full?)";
    }
  }
  Agree(error);
}

void CheckpointFile::CheckSpace(const char* call, const char* why) {
  // Space the write still needs beyond what the file already holds (rewrites need none),
  // plus room for HDF5's metadata.
  std::uint64_t total = local_bytes_;
  if (file_comm_ != MPI_COMM_SELF)
    MPI_Allreduce(&local_bytes_, &total, 1, MPI_UINT64_T, MPI_SUM, comm_);
  std::uint64_t size = 0;
  if (file_ != MPI_FILE_NULL) {
    MPI_Offset bytes = 0;
    MPI_File_get_size(file_, &bytes);
    size = static_cast<std::uint64_t>(bytes);
  } else if (FILE* f = std::fopen(path_.c_str(), "rb")) {
    std::fseek(f, 0, SEEK_END);
    size = static_cast<std::uint64_t>(std::ftell(f));
    std::fclose(f);
  }
  const std::uint64_t headroom = options_.mode == "hdf5" ? (1 << 20) : 0;
  const std::uint64_t needed = total + headroom > size ? total + headroom - size : 0;
  const std::uint64_t free_bytes = FreeBytes(options_.dir);
  std::string error;
  if (needed > free_bytes) {
    error = ErrorText(std::string(call) + " not attempted on", path_);
    error += ": " + std::to_string(needed) + " more bytes needed, " +
             std::to_string(free_bytes) + " free (" + why + " in this Open MPI / HDF5)";
  }
  Agree(error);
}

void CheckpointFile::Post(const void* data) {
  Agree(local_bytes_ > kMaxPiece ? "nonblocking mode writes at most 1 GiB per rank" : "");
  CheckSpace("MPI_File_iwrite_at_all", "a failing nonblocking write crashes MPI_Wait");
  const int code = MPI_File_iwrite_at_all(file_, static_cast<MPI_Offset>(offset_), data,
                                          static_cast<int>(local_bytes_), MPI_BYTE, &request_);
  Agree(code == MPI_SUCCESS ? "" : ErrorText("MPI_File_iwrite_at_all on", path_, code));
}

bool CheckpointFile::Test() {
  if (request_ == MPI_REQUEST_NULL) return true;
  int done = 0;
  const int code = MPI_Test(&request_, &done, MPI_STATUS_IGNORE);
  Check(code, "MPI_Test");
  return done != 0;
}

void CheckpointFile::Wait() {
  MPI_Status status;
  const int code = MPI_Wait(&request_, &status);
  Agree(code == MPI_SUCCESS ? "" : ErrorText("MPI_Wait for the write of", path_, code));
}

void CheckpointFile::Sync() {
  std::string error;
  if (options_.mode == "hdf5") {
    if (H5Fflush(static_cast<hid_t>(h5_file_), H5F_SCOPE_GLOBAL) < 0) error = ErrorText("H5Fflush failed on", path_);
  } else {
    const int code = MPI_File_sync(file_);
    if (code != MPI_SUCCESS) error = ErrorText("MPI_File_sync on", path_, code);
  }
  Agree(error);
}

void CheckpointFile::ReadBack(void* buffer) {
  std::string error;
  if (options_.mode == "hdf5") {
    const hid_t file_space = H5Dget_space(h5_dataset_);
    const hsize_t start[1] = {offset_}, count[1] = {local_bytes_};
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr);
    const hid_t memory_space = H5Screate_simple(1, count, nullptr);
    if (H5Dread(h5_dataset_, H5T_NATIVE_UINT8, memory_space, file_space, H5P_DEFAULT, buffer) < 0)
      error = ErrorText("H5Dread failed on", path_);
    H5Sclose(memory_space);
    H5Sclose(file_space);
  } else {
    auto* bytes = static_cast<char*>(buffer);
    for (std::uint64_t begin = 0; begin < local_bytes_ || begin == 0; begin += kMaxPiece) {
      const int count = static_cast<int>(std::min(kMaxPiece, local_bytes_ - begin));
      MPI_Status status;
      const int code = MPI_File_read_at(file_, static_cast<MPI_Offset>(offset_ + begin),
                                        bytes + begin, count, MPI_BYTE, &status);
      if (code != MPI_SUCCESS && error.empty())
        error = ErrorText("MPI_File_read_at on", path_, code);
      if (local_bytes_ == 0) break;
    }
  }
  Agree(error);
}

std::string CheckpointFile::HintsInEffect() const {
  if (file_ == MPI_FILE_NULL) return "";
  MPI_Info info = MPI_INFO_NULL;
  if (MPI_File_get_info(file_, &info) != MPI_SUCCESS) return "";
  int keys = 0;
  MPI_Info_get_nkeys(info, &keys);
  std::string text;
  for (int k = 0; k < keys; ++k) {
    char key[MPI_MAX_INFO_KEY + 1] = {};
    MPI_Info_get_nthkey(info, k, key);
    int length = 0, found = 0;
    MPI_Info_get_valuelen(info, key, &length, &found);
    std::string value(static_cast<std::size_t>(length) + 1, '\0');
    MPI_Info_get(info, key, length + 1, value.data(), &found);
    value.resize(static_cast<std::size_t>(length));
    if (!text.empty()) text += ';';
    text.append(key).append("=").append(value);
  }
  MPI_Info_free(&info);
  return text;
}

void CheckpointFile::Close() noexcept {
  if (request_ != MPI_REQUEST_NULL) MPI_Wait(&request_, MPI_STATUS_IGNORE);
  if (h5_dataset_ >= 0) H5Dclose(static_cast<hid_t>(h5_dataset_));
  if (h5_file_ >= 0) H5Fclose(static_cast<hid_t>(h5_file_));
  h5_dataset_ = h5_file_ = -1;
  if (file_ != MPI_FILE_NULL) MPI_File_close(&file_);
  if (options_.keep_files) return;
  // Shared file: rank 0 deletes it once every rank has closed it.
  if (file_comm_ != MPI_COMM_SELF) MPI_Barrier(comm_);
  if (file_comm_ == MPI_COMM_SELF || RankIn(comm_) == 0) std::remove(path_.c_str());
}

}  // namespace parlab
