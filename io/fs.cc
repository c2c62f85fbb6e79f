#include "io/fs.h"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace parlab {

std::uint64_t FreeBytes(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) != 0) return UINT64_MAX;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

std::string FileSystemKey(const std::string& path) {
  struct statfs fs {};
  struct stat info {};
  if (statfs(path.c_str(), &fs) != 0 || stat(path.c_str(), &info) != 0) return "unknown:" + path;
  constexpr unsigned long kNetworkTypes[] = {0x6969 /* NFS */, 0x0BD00BD0 /* Lustre */,
                                             0x47504653 /* GPFS */, 0x19830326 /* BeeGFS */,
                                             0x00C36400 /* CephFS */, 0xFF534D42 /* CIFS */,
                                             0x65735546 /* FUSE */};
  const auto type = static_cast<unsigned long>(fs.f_type);
  int id[2] = {0, 0};
  std::memcpy(id, &fs.f_fsid, sizeof id);
  for (unsigned long network : kNetworkTypes)
    if (type == network)
      return "net:" + std::to_string(type) + ":" + std::to_string(id[0]) + ":" + std::to_string(id[1]);
  std::ifstream boot("/proc/sys/kernel/random/boot_id");
  std::string machine;
  std::getline(boot, machine);
  return "local:" + machine + ":" + std::to_string(info.st_dev);
}

std::string DirectoryOf(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

bool RomioSelected() {
  static constexpr char kMcaIoKey[] = "io";  // Open MPI's MCA parameter for its MPI-IO component
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
      if (key == kMcaIoKey) romio = names_romio(line.substr(equals + 1));
    }
  }
  return romio;
}

}  // namespace parlab
