#!/bin/bash
# Configures build/<preset> from CMakePresets.json (Ninja, unity build). A tree that an
# older checkout configured with another generator is reconfigured afresh: its cache is
# removed, never anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=$1
shift
cache="build/$preset/CMakeCache.txt"
if [ -f "$cache" ] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
  rm -rf "$cache" "build/$preset/CMakeFiles"
fi
cmake --preset "$preset" "$@" >/dev/null
