#include "machine/ceilings_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "core/errors.h"
#include "core/files.h"

namespace parlab {
namespace {

std::string SafeFileName(const std::string& host) {
  std::string name;
  for (char ch : host) name += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
                                       ch == '_' || ch == '.' ? ch : '_';
  return name.empty() || name[0] == '.' ? "host" + name : name;
}

// The file's text, or "" with `error` set (`missing` when there is no file).
std::string ReadBounded(const std::string& path, std::string& error, bool& missing) {
  missing = FileKind(path).empty();
  if (missing) return "";
  try {
    return ReadBoundedFile(path, kMaxCeilingsFileBytes);
  } catch (const ConfigError& e) {
    error = e.what();
    return "";
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
  const std::string error = WriteFileAtomically(path, ToJson(ceilings).dump(1) + "\n");
  return error.empty() ? "" : "cannot write the cache: " + error;
}

}  // namespace parlab
