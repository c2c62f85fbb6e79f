#include "machine/ceilings_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "machine/storage_probe.h"

namespace parlab {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Removes a temporary file unless Commit() was called.
class RemoveUnlessCommitted {
 public:
  explicit RemoveUnlessCommitted(std::string path) : path_(std::move(path)) {}
  ~RemoveUnlessCommitted() {
    if (!committed_) ::unlink(path_.c_str());
  }
  RemoveUnlessCommitted(const RemoveUnlessCommitted&) = delete;
  RemoveUnlessCommitted& operator=(const RemoveUnlessCommitted&) = delete;
  void Commit() { committed_ = true; }

 private:
  std::string path_;
  bool committed_ = false;
};

std::string SafeFileName(const std::string& host) {
  std::string name;
  for (char ch : host) name += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
                                       ch == '_' || ch == '.' ? ch : '_';
  return name.empty() || name[0] == '.' ? "host" + name : name;
}

// The file's text, or "" with `error` set.
std::string ReadBounded(const std::string& path, std::string& error, bool& missing) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) {
    missing = errno == ENOENT;
    error = errno == ELOOP ? "it is a symbolic link" : ErrnoText(errno);
    return "";
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    error = ErrnoText(errno);
    return "";
  }
  if (!S_ISREG(info.st_mode)) {
    error = "it is not a regular file";
    return "";
  }
  const std::size_t limit = kMaxCeilingsFileBytes;
  if (static_cast<std::size_t>(info.st_size) > limit) {
    error = fmt::format("it is {} bytes, more than the {} a ceilings file may have",
                        info.st_size, limit);
    return "";
  }
  std::string text(limit + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = ErrnoText(errno);
      return "";
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > limit) {
    error = fmt::format("it grew past the {} bytes a ceilings file may have", limit);
    return "";
  }
  text.resize(got);
  return text;
}

void WriteAll(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(n < 0 ? ErrnoText(errno) : "no progress");
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string DefaultCeilingsCachePath(const std::string& host) {
  if (const char* explicit_path = std::getenv("PARLAB_CEILINGS_CACHE");
      explicit_path != nullptr && *explicit_path != '\0')
    return explicit_path;
  const std::string file = "parlab/ceilings-" + SafeFileName(host) + ".json";
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/')
    return std::string(xdg) + "/" + file;
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/')
    return std::string(home) + "/.cache/" + file;
  return "";
}

CachedCeilings LoadCeilingsCache(const std::string& path, const MachineKey& machine,
                                 std::int64_t now_unix) {
  CachedCeilings out;
  const auto ignore = [&](const std::string& why) {
    out.warning = fmt::format("ignoring the ceilings cache {}: {}; measuring again", path, why);
    return out;
  };
  std::string error;
  bool missing = false;
  const std::string text = ReadBounded(path, error, missing);
  if (missing) return out;
  if (!error.empty()) return ignore(error);
  Ceilings ceilings;
  try {
    ceilings = CeilingsFromJson(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    return ignore(std::string("it is not valid JSON (") + e.what() + ")");
  } catch (const CeilingsFormatError& e) {
    return ignore(std::string("it is not a ceilings file this parlab reads (") + e.what() + ")");
  }
  if (!(ceilings.machine == machine))
    return ignore(fmt::format("it was measured on {}, this is {}", ceilings.machine.Describe(),
                              machine.Describe()));
  if (ceilings.measured_unix > now_unix + 60)
    return ignore(fmt::format("it says it was measured in the future ({})", ceilings.measured_at));
  out.age_seconds = static_cast<double>(std::max<std::int64_t>(0, now_unix - ceilings.measured_unix));
  out.ceilings = std::move(ceilings);
  return out;
}

std::string SaveCeilingsCache(const std::string& path, const Ceilings& ceilings) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fmt::format("cannot create directory {}: {}", dir.string(), ec.message());
  const std::string temp =
      (dir / RandomFileName("." + target.filename().string() + ".tmp-")).string();
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) return fmt::format("cannot create {}: {}", temp, ErrnoText(errno));
  RemoveUnlessCommitted guard(temp);
  try {
    WriteAll(fd.get(), ToJson(ceilings).dump(1) + "\n");
  } catch (const std::exception& e) {
    return fmt::format("cannot write {}: {}", temp, e.what());
  }
  if (::fsync(fd.get()) != 0) return fmt::format("cannot sync {}: {}", temp, ErrnoText(errno));
  if (::close(fd.Release()) != 0) return fmt::format("cannot close {}: {}", temp, ErrnoText(errno));
  if (::rename(temp.c_str(), path.c_str()) != 0)
    return fmt::format("cannot rename {} to {}: {}", temp, path, ErrnoText(errno));
  guard.Commit();
  return "";
}

}  // namespace parlab
