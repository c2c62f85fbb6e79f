// Typed, checked reading of TOML values: every failure is a ConfigError naming the file,
// the line, the key and the bad value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <toml++/toml.h>

#include "core/enum_names.h"
#include "core/errors.h"

namespace parlab {

class ConfigReader {
 public:
  explicit ConfigReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void Fail(const toml::source_region& where, const std::string& what) const;
  [[noreturn]] void Fail(const toml::node& node, const std::string& what) const {
    Fail(node.source(), what);
  }
  const std::string& path() const { return path_; }

  void RejectUnknownKeys(const toml::table& table, const std::string& where,
                         const std::vector<std::string>& allowed) const;
  std::int64_t Int(const toml::node& node, const std::string& key, std::int64_t min,
                   std::int64_t max = INT64_MAX) const;
  double Double(const toml::node& node, const std::string& key, double min,
                double max = 1e300) const;
  std::string String(const toml::node& node, const std::string& key) const;
  bool Bool(const toml::node& node, const std::string& key) const;
  // A string that must be one of a closed set's names.
  template <class E, std::size_t N>
  E Choice(const toml::node& node, const std::string& key, const EnumNames<E, N>& names) const {
    const std::string value = String(node, key);
    const auto found = names.Find(value);
    if (!found)
      Fail(node, "key '" + key + "' must be one of " + names.List() + ", got '" + value + "'");
    return *found;
  }
  // A value given as one item or as an array of items to sweep over.
  std::vector<const toml::node*> Items(const toml::node& node, const std::string& key) const;

 private:
  std::string path_;
};

std::string Join(const std::vector<std::string>& names);
std::string TypeName(const toml::node& node);

}  // namespace parlab
