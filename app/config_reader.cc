#include "app/config_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace parlab {

void ConfigReader::Fail(const toml::source_region& where, const std::string& what) const {
  if (where.begin.line > 0) throw ConfigError(fmt::format("{}:{}: {}", path_, where.begin.line, what));
  throw ConfigError(fmt::format("{}: {}", path_, what));
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

void ConfigReader::RejectUnknownKeys(const toml::table& table, const std::string& where,
                                     const std::vector<std::string>& allowed) const {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      Fail(key.source().begin.line > 0 ? key.source() : node.source(),
           fmt::format("unknown key '{}' in {} (valid keys: {})", name, where, Join(allowed)));
  }
}

std::int64_t ConfigReader::Int(const toml::node& node, const std::string& key, std::int64_t min,
                               std::int64_t max) const {
  const auto value = node.value_exact<std::int64_t>();
  if (!value) Fail(node, fmt::format("key '{}' must be an integer, got {}", key, TypeName(node)));
  if (*value < min) Fail(node, fmt::format("key '{}' must be at least {}, got {}", key, min, *value));
  if (*value > max) Fail(node, fmt::format("key '{}' must be at most {}, got {}", key, max, *value));
  return *value;
}

double ConfigReader::Double(const toml::node& node, const std::string& key, double min,
                            double max) const {
  const auto value = node.value<double>();  // integers are accepted as numbers
  if (!value || node.is_boolean())
    Fail(node, fmt::format("key '{}' must be a number, got {}", key, TypeName(node)));
  if (!std::isfinite(*value) || *value < min)
    Fail(node, fmt::format("key '{}' must be a finite number >= {}, got {}", key, min, *value));
  if (*value > max) Fail(node, fmt::format("key '{}' must be at most {:g}, got {:g}", key, max, *value));
  return *value;
}

std::string ConfigReader::String(const toml::node& node, const std::string& key) const {
  const auto value = node.value_exact<std::string>();
  if (!value) Fail(node, fmt::format("key '{}' must be a string, got {}", key, TypeName(node)));
  return *value;
}

bool ConfigReader::Bool(const toml::node& node, const std::string& key) const {
  const auto value = node.value_exact<bool>();
  if (!value) Fail(node, fmt::format("key '{}' must be true or false, got {}", key, TypeName(node)));
  return *value;
}

std::vector<const toml::node*> ConfigReader::Items(const toml::node& node,
                                                   const std::string& key) const {
  std::vector<const toml::node*> items;
  if (const auto* array = node.as_array()) {
    if (array->empty()) Fail(node, fmt::format("key '{}' must not be an empty array", key));
    for (const auto& item : *array) items.push_back(&item);
  } else {
    items.push_back(&node);
  }
  return items;
}

}  // namespace parlab
