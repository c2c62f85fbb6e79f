// CPU sets as sorted lists of OS CPU indices, and their text form ("0-3,8,10-11"), the
// one Linux uses in /sys and taskset, and core/team.h's CpuListOfThisThread prints.
#pragma once

#include <string>
#include <vector>

namespace parlab {

using CpuList = std::vector<int>;  // OS indices, ascending, no duplicates

// "0-3,8"; "" for an empty list.
std::string FormatCpuList(const CpuList& cpus);

// The inverse of FormatCpuList; throws ConfigError naming the text when it is malformed.
CpuList ParseCpuList(const std::string& text);

// The calling thread's affinity (sched_getaffinity); empty if it cannot be read.
CpuList AffinityOfThisThread();

// Sorted union and intersection of two CpuLists.
CpuList Union(const CpuList& a, const CpuList& b);
CpuList Intersection(const CpuList& a, const CpuList& b);

}  // namespace parlab
