#include "machine/cpu_list.h"

#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "core/errors.h"

namespace parlab {
namespace {

// Largest CPU index accepted in text: what a cpu_set_t can hold.
constexpr int kMaxCpu = CPU_SETSIZE - 1;

int ParseIndex(const std::string& text, std::size_t begin, std::size_t end) {
  int value = -1;
  const char* first = text.data() + begin;
  const char* last = text.data() + end;
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last || begin == end || value < 0 || value > kMaxCpu)
    throw ConfigError(fmt::format("bad CPU list '{}': '{}' is not a CPU index (0-{})", text,
                                  std::string(first, last), kMaxCpu));
  return value;
}

}  // namespace

std::string FormatCpuList(const CpuList& cpus) {
  std::string text;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += std::to_string(cpus[i]);
    if (j > i) text += fmt::format("-{}", cpus[j]);
    i = j + 1;
  }
  return text;
}

CpuList ParseCpuList(const std::string& text) {
  CpuList cpus;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::size_t dash = text.find('-', start);
    if (dash != std::string::npos && dash < end) {
      const int first = ParseIndex(text, start, dash);
      const int last = ParseIndex(text, dash + 1, end);
      if (last < first)
        throw ConfigError(fmt::format("bad CPU list '{}': range {}-{} runs backwards", text,
                                      first, last));
      for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
    } else {
      cpus.push_back(ParseIndex(text, start, end));
    }
    start = end + 1;
    if (end + 1 == text.size())
      throw ConfigError(fmt::format("bad CPU list '{}': it ends with ','", text));
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

CpuList AffinityOfThisThread() {
  cpu_set_t set;
  CPU_ZERO(&set);
  CpuList cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

CpuList Union(const CpuList& a, const CpuList& b) {
  CpuList out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

CpuList Intersection(const CpuList& a, const CpuList& b) {
  CpuList out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace parlab
