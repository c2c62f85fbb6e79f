#include "app/preflight.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "core/collective.h"
#include "core/files.h"

namespace parlab {
namespace {

// "" when `dir` is a directory this process may create files in.
std::string WritableDirectory(const std::string& dir, const char* key) {
  const std::string kind = FileKind(dir);
  if (kind.empty()) return fmt::format("{} = \"{}\": No such file or directory", key, dir);
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return fmt::format("{} = \"{}\": {}", key, dir, std::strerror(errno));
  return "";
}

std::string CheckRun(const RunSpec& spec) {
  const KernelInfo& info = spec.kernel_info();
  std::string reason = info.preflight ? info.preflight(spec.params) : "";
  if (reason.empty() && spec.io_stage) reason = WritableDirectory(spec.io_stage->dir, "io_dir");
  return reason;
}

}  // namespace

void Preflight(MPI_Comm world, const Experiment& experiment) {
  std::string error;
  std::set<std::string> checked;
  for (const RunSpec& spec : experiment.runs) {
    if (!error.empty()) break;
    const std::string what = spec.kernel + " " + spec.params.Text() +
                             (spec.io_stage ? " io_dir=" + spec.io_stage->dir : "");
    if (!checked.insert(what).second) continue;
    if (const std::string reason = CheckRun(spec); !reason.empty())
      error = fmt::format("{}: {} (kernel {}): {}", experiment.config_path, spec.id, spec.kernel, reason);
  }
  const std::string first = FirstMessage(world, error);
  if (!first.empty()) throw ConfigError(first);
}

}  // namespace parlab
