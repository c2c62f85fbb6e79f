#include "report/report_status.h"

#include <hdf5.h>

#include <vector>

#include "core/files.h"
#include "core/h5.h"
#include "harness/run_status.h"

namespace parlab {
namespace {

std::optional<std::string> StringAttribute(const h5::Handle& object, const char* name) {
  if (H5Aexists(object, name) <= 0) return std::nullopt;
  h5::Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  h5::Handle type(H5Aget_type(attribute), H5Tclose);
  if (attribute.get() < 0 || type.get() < 0 || H5Tget_class(type) != H5T_STRING ||
      H5Tis_variable_str(type) <= 0)
    return std::nullopt;
  char* text = nullptr;
  if (H5Aread(attribute, type, &text) < 0 || text == nullptr) return std::nullopt;
  std::string value(text);
  H5free_memory(text);
  return value;
}

}  // namespace

std::optional<ReportStatus> ReadReportStatus(const std::string& path) {
  if (FileKind(path) != "a regular file") return std::nullopt;
  h5::SilenceErrorStack();
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.get() < 0) return std::nullopt;
  const auto status = StringAttribute(file, "status");
  if (!status) return std::nullopt;
  ReportStatus report{*status, 0, 0, StringAttribute(file, "config_text").value_or("")};
  if (H5Lexists(file, "runs", H5P_DEFAULT) <= 0) return report;
  h5::Handle runs(H5Gopen2(file, "runs", H5P_DEFAULT), H5Gclose);
  H5G_info_t info{};
  if (runs.get() < 0 || H5Gget_info(runs, &info) < 0) return std::nullopt;
  report.runs = static_cast<int>(info.nlinks);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    h5::Handle run(H5Oopen_by_idx(runs, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT), H5Oclose);
    if (run.get() < 0) return std::nullopt;
    if (StringAttribute(run, "status").value_or("") != kRunStatusNames.Name(RunStatus::kOk))
      ++report.runs_not_ok;
  }
  return report;
}

}  // namespace parlab
