#include "io/hints.h"

#include <charconv>
#include <cstdint>
#include <set>
#include <stdexcept>

namespace parlab {
namespace {

// Hints whose values must be positive byte or process counts.
const std::set<std::string> kPositiveCounts = {
    "cb_nodes",           "cb_buffer_size",     "striping_factor", "striping_unit",
    "ind_rd_buffer_size", "ind_wr_buffer_size", "cb_block_size",   "romio_min_fdomain_size"};
// ROMIO's switches, and the standard's booleans.
const std::set<std::string> kSwitches = {"romio_cb_read", "romio_cb_write", "romio_ds_read",
                                         "romio_ds_write"};
const std::set<std::string> kBooleans = {"collective_buffering", "romio_no_indep_rw"};

void CheckValue(const std::string& key, const std::string& value) {
  if (kPositiveCounts.count(key)) {
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end != value.data() + value.size() || number < 1 ||
        number > (std::int64_t{1} << 40))
      throw std::invalid_argument("hint " + key + "=" + value + ": must be an integer from 1 to 2^40");
  } else if (kSwitches.count(key) && value != "enable" && value != "disable" && value != "automatic") {
    throw std::invalid_argument("hint " + key + "=" + value + ": must be enable, disable or automatic");
  } else if (kBooleans.count(key) && value != "true" && value != "false") {
    throw std::invalid_argument("hint " + key + "=" + value + ": must be true or false");
  }
}

}  // namespace

IoHints ParseHints(const std::string& text) {
  IoHints hints;
  std::set<std::string> keys;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const std::size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0)
      throw std::invalid_argument("hint '" + item + "' is not key=value");
    const std::string key = item.substr(0, equals), value = item.substr(equals + 1);
    if (key.size() > MPI_MAX_INFO_KEY || value.size() > MPI_MAX_INFO_VAL)
      throw std::invalid_argument("hint '" + key + "' is longer than MPI allows");
    if (!keys.insert(key).second) throw std::invalid_argument("hint " + key + " is given twice");
    CheckValue(key, value);
    hints.emplace_back(key, value);
  }
  return hints;
}

}  // namespace parlab
