#!/bin/bash
# The normal CMake habit works: a plain `cmake -S SOURCE -B DIR` (no preset, any
# directory) configures, with the install rules and the package configuration generated.
# Configure only: building again would cost minutes; install_test.sh installs from the
# tree ctest runs in, which was built the same way.
# usage: configure_test.sh SOURCE_DIR WORK_DIR
set -u
source_dir=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
cmake -S "$source_dir" -B "$work/x" > "$work/configure.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -20 "$work/configure.log"
check "cmake -S SOURCE -B x configures" "[ $rc -eq 0 ]"
check "install rules generated" "grep -q 'stop_ranks_launcher.py' '$work/x/cmake_install.cmake'"
check "the package configuration generated" "grep -q 'CPACK_DEBIAN_PACKAGE_SHLIBDEPS \"ON\"' '$work/x/CPackConfig.cmake'"
check "the build tree's launcher, where parlab.sbatch looks for it beside bin/parlab" \
      "[ -f '$work/x/libexec/parlab/stop_ranks_launcher.py' ]"
rm -rf "$work/x"
[ $fail -eq 0 ] && echo PASS || echo FAIL
