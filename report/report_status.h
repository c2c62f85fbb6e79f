// Reading back what a finished report says about itself, for `run --resume` (a complete
// report is left as it is) and `parlab status`.
#pragma once

#include <optional>
#include <string>

namespace parlab {

struct ReportStatus {
  std::string status;  // "complete", "partial: ...", "incomplete: ..."
  int runs = 0;
  int runs_not_ok = 0;  // runs whose status is not "ok"
  std::string config_text;
};

// The report's own status, nullopt when `path` is not a readable parlab report. Opens it
// read-only with HDF5's default (serial) driver; call on one rank.
std::optional<ReportStatus> ReadReportStatus(const std::string& path);

}  // namespace parlab
