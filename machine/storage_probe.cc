#include "machine/storage_probe.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/clock.h"

namespace parlab {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

void WriteAll(int fd, const std::vector<char>& block, std::size_t total, const std::string& path) {
  for (std::size_t done = 0; done < total;) {
    const std::size_t want = std::min(block.size(), total - done);
    const ssize_t n = ::write(fd, block.data(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error(fmt::format("cannot write {}: {}", path,
                                           n < 0 ? ErrnoText(errno) : "no progress"));
    done += static_cast<std::size_t>(n);
  }
}

// Seconds to write the file from empty (and fsync it, if `sync`).
double TimedWrite(const ScratchFile& file, const std::vector<char>& block, std::size_t total,
                  bool sync) {
  if (::ftruncate(file.fd(), 0) != 0 || ::lseek(file.fd(), 0, SEEK_SET) != 0)
    throw std::runtime_error(fmt::format("cannot rewind {}: {}", file.path(), ErrnoText(errno)));
  const double start = NowSeconds();
  WriteAll(file.fd(), block, total, file.path());
  if (sync && ::fsync(file.fd()) != 0)
    throw std::runtime_error(fmt::format("cannot fsync {}: {}", file.path(), ErrnoText(errno)));
  return NowSeconds() - start;
}

Ceiling FromTrials(std::vector<double> rates, const std::string& method) {
  Ceiling c;
  c.available = true;
  c.value = *std::max_element(rates.begin(), rates.end());
  c.unit = "GB/s";
  c.method = method;
  c.trials = std::move(rates);
  return c;
}

}  // namespace

std::string RandomFileName(const std::string& prefix) {
  unsigned char bytes[8] = {};
  if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    std::random_device device;  // getrandom unavailable: the C++ library's entropy source
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(device());
  }
  std::string name = prefix;
  for (unsigned char b : bytes) name += fmt::format("{:02x}", b);
  return name;
}

ScratchFile::ScratchFile(const std::string& dir) {
  dir_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0)
    throw std::runtime_error(fmt::format("cannot open directory {}: {}", dir, ErrnoText(errno)));
  for (int attempt = 0; attempt < 8 && fd_ < 0; ++attempt) {
    name_ = RandomFileName(".parlab-probe-");
    fd_ = ::openat(dir_fd_, name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0600);
    if (fd_ < 0 && errno != EEXIST) break;
  }
  if (fd_ < 0) {
    const int error = errno;
    ::close(dir_fd_);
    throw std::runtime_error(fmt::format("cannot create a scratch file in {}: {}", dir,
                                         ErrnoText(error)));
  }
  path_ = dir + "/" + name_;
}

ScratchFile::~ScratchFile() {
  ::close(fd_);
  ::unlinkat(dir_fd_, name_.c_str(), 0);
  ::close(dir_fd_);
}

StorageCeilings MeasureStorage(const std::string& dir, const StorageProbeSettings& s) {
  StorageCeilings out;
  out.dir = dir;
  out.file_bytes = static_cast<double>(s.file_bytes);
  const std::string common = fmt::format(
      "{} written in {} blocks to a new scratch file in {}, best of {} trials", s.file_bytes,
      s.block_bytes, dir, s.trials);
  const std::string buffered = "write() into the page cache: " + common;
  const std::string synced = "write() then fsync(), timed together: " + common;
  try {
    const ScratchFile file(dir);
    std::vector<char> block(std::max<std::size_t>(s.block_bytes, 1));
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 131 + 7);
    std::vector<double> cached, durable;
    const int trials = std::max(1, s.trials);
    for (int t = 0; t < trials; ++t)
      cached.push_back(static_cast<double>(s.file_bytes) / TimedWrite(file, block, s.file_bytes,
                                                                     false) / 1e9);
    for (int t = 0; t < trials; ++t)
      durable.push_back(static_cast<double>(s.file_bytes) / TimedWrite(file, block, s.file_bytes,
                                                                      true) / 1e9);
    out.buffered = FromTrials(std::move(cached), buffered);
    out.fsync = FromTrials(std::move(durable), synced);
  } catch (const std::exception& e) {
    out.buffered = Ceiling::Unavailable("GB/s", buffered, e.what());
    out.fsync = Ceiling::Unavailable("GB/s", synced, e.what());
  }
  return out;
}

}  // namespace parlab
