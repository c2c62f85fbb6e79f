#include "machine/ceilings.h"

#include <fmt/format.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <fstream>

namespace parlab {

using nlohmann::json;

namespace {

std::string CpuModelName() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
  }
  return "unknown";
}

template <class Enum, std::size_t N>
Enum EnumFromName(const std::string& name, const Enum (&all)[N], const char* (*to_name)(Enum),
                  const char* what) {
  for (Enum e : all)
    if (name == to_name(e)) return e;
  throw CeilingsFormatError(fmt::format("unknown {} '{}'", what, name));
}

json ToJson(const Ceiling& c) {
  json j = {{"available", c.available}, {"value", c.value}, {"unit", c.unit},
            {"method", c.method}, {"trials", c.trials}};
  if (!c.available) j["reason"] = c.reason;
  return j;
}

Ceiling CeilingFromJson(const json& j) {
  Ceiling c;
  c.available = j.at("available").get<bool>();
  c.value = j.at("value").get<double>();
  c.unit = j.at("unit").get<std::string>();
  c.method = j.at("method").get<std::string>();
  c.trials = j.at("trials").get<std::vector<double>>();
  if (!c.available) c.reason = j.at("reason").get<std::string>();
  return c;
}

json ToJson(const MemorySweep& sweep) {
  json bytes = json::array(), gbs = json::array(), levels = json::array();
  for (const BandwidthPoint& p : sweep.points) {
    bytes.push_back(p.bytes);
    gbs.push_back(p.gbs);
  }
  for (const LevelBandwidth& l : sweep.levels)
    levels.push_back({{"level", MemoryLevelName(l.level)}, {"capacity_bytes", l.capacity_bytes},
                      {"from_bytes", l.from_bytes}, {"to_bytes", l.to_bytes},
                      {"bandwidth", ToJson(l.bandwidth)}});
  return {{"pattern", AccessPatternName(sweep.pattern)}, {"bytes", bytes}, {"gbs", gbs},
          {"levels", levels}};
}

MemorySweep SweepFromJson(const json& j) {
  MemorySweep sweep;
  sweep.pattern = EnumFromName(j.at("pattern").get<std::string>(), kAccessPatterns,
                               AccessPatternName, "access pattern");
  const auto bytes = j.at("bytes").get<std::vector<double>>();
  const auto gbs = j.at("gbs").get<std::vector<double>>();
  if (bytes.size() != gbs.size()) throw CeilingsFormatError("sweep bytes and gbs differ in length");
  for (std::size_t i = 0; i < bytes.size(); ++i) sweep.points.push_back({bytes[i], gbs[i]});
  for (const json& l : j.at("levels")) {
    LevelBandwidth level;
    level.level = EnumFromName(l.at("level").get<std::string>(), kMemoryLevels, MemoryLevelName,
                               "memory level");
    level.capacity_bytes = l.at("capacity_bytes").get<double>();
    level.from_bytes = l.at("from_bytes").get<double>();
    level.to_bytes = l.at("to_bytes").get<double>();
    level.bandwidth = CeilingFromJson(l.at("bandwidth"));
    sweep.levels.push_back(std::move(level));
  }
  return sweep;
}

json ToJson(const ScopeCeilings& s) {
  json memory = json::array();
  for (const MemorySweep& sweep : s.memory) memory.push_back(ToJson(sweep));
  return {{"scope", ProbeScopeName(s.scope)}, {"workers", s.workers}, {"seconds", s.seconds},
          {"peak_fp64", ToJson(s.peak_fp64)}, {"scalar_fp64", ToJson(s.scalar_fp64)},
          {"memory", memory}};
}

ScopeCeilings ScopeFromJson(const json& j) {
  ScopeCeilings s;
  s.scope = EnumFromName(j.at("scope").get<std::string>(), kProbeScopes, ProbeScopeName,
                         "scope");
  s.workers = j.at("workers").get<int>();
  s.seconds = j.at("seconds").get<double>();
  s.peak_fp64 = CeilingFromJson(j.at("peak_fp64"));
  s.scalar_fp64 = CeilingFromJson(j.at("scalar_fp64"));
  for (const json& sweep : j.at("memory")) s.memory.push_back(SweepFromJson(sweep));
  return s;
}

Ceilings FromJsonUnchecked(const json& j) {
  if (j.at("format").get<std::string>() != "parlab-ceilings")
    throw CeilingsFormatError("not a parlab ceilings document");
  const int version = j.at("version").get<int>();
  if (version != kCeilingsFormatVersion)
    throw CeilingsFormatError(fmt::format("format version {}, this parlab reads version {}",
                                          version, kCeilingsFormatVersion));
  Ceilings c;
  const json& m = j.at("machine");
  c.machine = {m.at("host").get<std::string>(), m.at("cpu_model").get<std::string>(),
               m.at("cores").get<int>()};
  c.isa = j.at("isa").get<std::string>();
  c.measured_at = j.at("measured_at").get<std::string>();
  c.measured_unix = j.at("measured_unix").get<std::int64_t>();
  c.probe_seconds = j.at("probe_seconds").get<double>();
  const json& launch = j.at("launch");
  c.world_size = launch.at("world_size").get<int>();
  c.nodes = launch.at("nodes").get<int>();
  c.ranks_on_node = launch.at("ranks_on_node").get<int>();
  for (const json& cache : j.at("caches"))
    c.caches.push_back({cache.at("level").get<int>(), cache.at("bytes").get<std::uint64_t>(),
                        cache.at("instances").get<int>()});
  for (const json& scope : j.at("scopes")) c.scopes.push_back(ScopeFromJson(scope));
  for (const json& link : j.at("mpi"))
    c.mpi.push_back({EnumFromName(link.at("link").get<std::string>(), kMpiLinks, MpiLinkName,
                                  "MPI link"),
                     link.at("partner").get<int>(), CeilingFromJson(link.at("latency")),
                     CeilingFromJson(link.at("bandwidth"))});
  const json& s = j.at("storage");
  c.storage = {s.at("dir").get<std::string>(), s.at("file_bytes").get<double>(),
               CeilingFromJson(s.at("buffered")), CeilingFromJson(s.at("fsync"))};
  return c;
}

}  // namespace

Ceiling Ceiling::Unavailable(std::string unit, std::string method, std::string reason) {
  Ceiling c;
  c.unit = std::move(unit);
  c.method = std::move(method);
  c.reason = std::move(reason);
  return c;
}

const char* ProbeScopeName(ProbeScope scope) {
  switch (scope) {
    case ProbeScope::kThread: return "thread";
    case ProbeScope::kRank: return "rank";
    case ProbeScope::kNode: return "node";
  }
  return "unknown";
}

const char* AccessPatternName(AccessPattern pattern) {
  return pattern == AccessPattern::kRead ? "read" : "triad";
}

const char* MpiLinkName(MpiLink link) {
  return link == MpiLink::kSameNode ? "same_node" : "other_node";
}

std::string MachineKey::Describe() const {
  return fmt::format("host {} ({}, {} cores)", host, cpu_model, cores);
}

MachineKey ThisMachineKey() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return {name, CpuModelName(), get_nprocs()};
}

const LevelBandwidth* MemorySweep::Find(MemoryLevel level) const {
  for (const LevelBandwidth& l : levels)
    if (l.level == level) return &l;
  return nullptr;
}

const LevelBandwidth* BandwidthFor(const ScopeCeilings& scope, AccessPattern pattern,
                                   double bytes) {
  const MemorySweep* sweep = scope.Find(pattern);
  if (sweep == nullptr || sweep->levels.empty()) return nullptr;
  for (const LevelBandwidth& level : sweep->levels)
    if (level.level != MemoryLevel::kDram && bytes <= level.capacity_bytes) return &level;
  return sweep->Find(MemoryLevel::kDram);
}

const MemorySweep* ScopeCeilings::Find(AccessPattern pattern) const {
  for (const MemorySweep& m : memory)
    if (m.pattern == pattern) return &m;
  return nullptr;
}

const ScopeCeilings* Ceilings::Find(ProbeScope scope) const {
  for (const ScopeCeilings& s : scopes)
    if (s.scope == scope) return &s;
  return nullptr;
}

const MpiCeilings* Ceilings::Find(MpiLink link) const {
  for (const MpiCeilings& m : mpi)
    if (m.link == link) return &m;
  return nullptr;
}

const ScopeCeilings* Ceilings::Widest() const {
  for (ProbeScope scope : {ProbeScope::kNode, ProbeScope::kRank, ProbeScope::kThread}) {
    const ScopeCeilings* s = Find(scope);
    if (s != nullptr && s->peak_fp64.available) return s;
  }
  return nullptr;
}

json ToJson(const Ceilings& c) {
  json caches = json::array(), scopes = json::array(), mpi = json::array();
  for (const CacheLevel& cache : c.caches)
    caches.push_back({{"level", cache.level}, {"bytes", cache.bytes},
                      {"instances", cache.instances}});
  for (const ScopeCeilings& s : c.scopes) scopes.push_back(ToJson(s));
  for (const MpiCeilings& m : c.mpi)
    mpi.push_back({{"link", MpiLinkName(m.link)}, {"partner", m.partner},
                   {"latency", ToJson(m.latency)}, {"bandwidth", ToJson(m.bandwidth)}});
  return {{"format", "parlab-ceilings"},
          {"version", kCeilingsFormatVersion},
          {"machine", {{"host", c.machine.host}, {"cpu_model", c.machine.cpu_model},
                       {"cores", c.machine.cores}}},
          {"isa", c.isa},
          {"measured_at", c.measured_at},
          {"measured_unix", c.measured_unix},
          {"probe_seconds", c.probe_seconds},
          {"launch", {{"world_size", c.world_size}, {"nodes", c.nodes},
                      {"ranks_on_node", c.ranks_on_node}}},
          {"caches", caches},
          {"scopes", scopes},
          {"mpi", mpi},
          {"storage", {{"dir", c.storage.dir}, {"file_bytes", c.storage.file_bytes},
                       {"buffered", ToJson(c.storage.buffered)},
                       {"fsync", ToJson(c.storage.fsync)}}}};
}

Ceilings CeilingsFromJson(const json& j) {
  try {
    return FromJsonUnchecked(j);
  } catch (const json::exception& e) {
    throw CeilingsFormatError(e.what());
  }
}

json RooflineJson(const Ceilings& c, ProbeScope scope, AccessPattern pattern) {
  json gflops = json::array(), gbytes = json::array();
  const ScopeCeilings* s = c.Find(scope);
  if (s != nullptr) {
    if (s->peak_fp64.available) gflops.push_back({"FP64 FMA GFLOPs", s->peak_fp64.value});
    if (s->scalar_fp64.available) gflops.push_back({"FP64 scalar GFLOPs", s->scalar_fp64.value});
    const MemorySweep* sweep = s->Find(pattern);
    if (sweep != nullptr)
      for (const LevelBandwidth& l : sweep->levels)
        if (l.bandwidth.available) gbytes.push_back({MemoryLevelName(l.level), l.bandwidth.value});
  }
  const json metadata = {{"TOOL", "parlab probe"}, {"HOSTNAME", c.machine.host},
                         {"CPU_MODEL", c.machine.cpu_model}, {"ISA", c.isa},
                         {"SCOPE", ProbeScopeName(scope)},
                         {"WORKERS", s != nullptr ? s->workers : 0},
                         {"PATTERN", AccessPatternName(pattern)},
                         {"TIMESTAMP_DATA", c.measured_unix}};
  return {{"empirical", {{"gflops", {{"data", gflops}, {"metadata", json::object()}}},
                         {"gbytes", {{"data", gbytes}, {"metadata", json::object()}}},
                         {"metadata", metadata}}},
          {"spec", {{"gflops", {{"data", json::array()}}}, {"gbytes", {{"data", json::array()}}}}}};
}

std::vector<CeilingRow> FlattenCeilings(const Ceilings& c) {
  std::vector<CeilingRow> rows;
  for (const ScopeCeilings& s : c.scopes) {
    const std::string base = fmt::format("scope/{}/", ProbeScopeName(s.scope));
    rows.push_back({base + "peak_fp64", &s.peak_fp64});
    rows.push_back({base + "scalar_fp64", &s.scalar_fp64});
    for (const MemorySweep& sweep : s.memory)
      for (const LevelBandwidth& l : sweep.levels)
        rows.push_back({fmt::format("{}memory/{}/{}/bandwidth", base,
                                    AccessPatternName(sweep.pattern), MemoryLevelName(l.level)),
                        &l.bandwidth});
  }
  for (const MpiCeilings& m : c.mpi) {
    rows.push_back({fmt::format("mpi/{}/latency", MpiLinkName(m.link)), &m.latency});
    rows.push_back({fmt::format("mpi/{}/bandwidth", MpiLinkName(m.link)), &m.bandwidth});
  }
  rows.push_back({"storage/buffered", &c.storage.buffered});
  rows.push_back({"storage/fsync", &c.storage.fsync});
  return rows;
}

}  // namespace parlab
