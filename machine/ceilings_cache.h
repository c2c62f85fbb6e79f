// The ceilings cache: one JSON file per host, written by `parlab probe`, read before a run
// so that a machine is measured once, not at every run. A file that is corrupt, from
// another machine, too large or not a plain file is ignored with a warning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "machine/ceilings.h"

namespace parlab {

inline constexpr std::size_t kMaxCeilingsFileBytes = 1u << 20;

// $PARLAB_CEILINGS_CACHE if set, else $XDG_CACHE_HOME/parlab/ceilings-<host>.json, else
// $HOME/.cache/parlab/ceilings-<host>.json; "" when none of these variables is set.
std::string DefaultCeilingsCachePath(const std::string& host);

struct CachedCeilings {
  std::optional<Ceilings> ceilings;  // set when the file holds this machine's ceilings
  double age_seconds = 0;            // now - when they were measured
  std::string warning;               // why an existing file was ignored; "" otherwise
};

// Reads at most kMaxCeilingsFileBytes; refuses symbolic links and anything but a regular
// file; ignores a file of another version or another machine. Never throws.
CachedCeilings LoadCeilingsCache(const std::string& path, const MachineKey& machine,
                                 std::int64_t now_unix);

// Atomic replace (core/files.h WriteFileAtomically): `path` must be absent or a regular
// file, never a symbolic link. Creates missing directories. Returns "" on success, else
// what went wrong (the temporary file is removed).
std::string SaveCeilingsCache(const std::string& path, const Ceilings& ceilings);

}  // namespace parlab
