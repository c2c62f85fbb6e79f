// A kernel's parameters: what it declares (ParamSpec) and the values of one run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "core/enum_names.h"

namespace parlab {

using ParamValue = std::variant<std::int64_t, double, std::string, bool>;

enum class ParamType { kInt, kDouble, kString, kBool };

struct ParamSpec {
  std::string name;
  ParamType type;
  ParamValue default_value;
  std::string doc;
  std::vector<std::string> choices = {};  // allowed values of a string parameter
  double min_value = 0;                   // smallest allowed value of a number
  double max_value = 1e18;                // largest allowed value of a number
};

// The values of one run: `size` plus every declared parameter (defaults filled in).
class KernelParams {
 public:
  KernelParams() = default;
  KernelParams(std::int64_t size, std::map<std::string, ParamValue> values)
      : size_(size), values_(std::move(values)) {}
  std::int64_t size() const { return size_; }
  std::int64_t Int(const std::string& name) const { return Get<std::int64_t>(name); }
  double Double(const std::string& name) const;
  const std::string& String(const std::string& name) const { return Get<std::string>(name); }
  bool Bool(const std::string& name) const { return Get<bool>(name); }
  // A string parameter with a closed set of values, as its enum.
  template <class E, std::size_t N>
  E Choice(const std::string& name, const EnumNames<E, N>& names) const {
    const auto value = names.Find(String(name));
    if (!value) throw std::logic_error("kernel parameter '" + name + "' has no valid value");
    return *value;
  }
  const std::map<std::string, ParamValue>& values() const { return values_; }
  // "name=value,name=value" in name order, of the parameters `include` accepts (all by
  // default): the one way parameters are written as text (labels, fingerprints, reports).
  std::string Text(const std::function<bool(const std::string&, const ParamValue&)>& include =
                       nullptr) const;

 private:
  template <class T>
  const T& Get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || !std::holds_alternative<T>(it->second))
      throw std::logic_error("kernel parameter '" + name + "' missing or of the wrong type");
    return std::get<T>(it->second);
  }
  std::int64_t size_ = 0;
  std::map<std::string, ParamValue> values_;
};

std::string FormatParamValue(const ParamValue& value);

}  // namespace parlab
