// The names of a closed set of values (run statuses, I/O modes, kernel variants...), in
// one table per set: the only place that spells them. Code compares enums; text appears
// only where a config is read or a report or journal is written.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlab {

template <class E>
struct EnumName {
  E value;
  const char* name;
};

template <class E, std::size_t N>
class EnumNames {
 public:
  constexpr explicit EnumNames(std::array<EnumName<E>, N> entries) : entries_(entries) {}

  const char* Name(E value) const {
    for (const auto& entry : entries_)
      if (entry.value == value) return entry.name;
    return "?";
  }
  std::optional<E> Find(std::string_view name) const {
    for (const auto& entry : entries_)
      if (name == entry.name) return entry.value;
    return std::nullopt;
  }
  std::vector<std::string> All() const {
    std::vector<std::string> names;
    for (const auto& entry : entries_) names.emplace_back(entry.name);
    return names;
  }
  // "a, b, c": for error messages that list the valid names.
  std::string List() const {
    std::string list;
    for (const auto& entry : entries_) list += (list.empty() ? "" : ", ") + std::string(entry.name);
    return list;
  }

 private:
  std::array<EnumName<E>, N> entries_;
};

}  // namespace parlab
