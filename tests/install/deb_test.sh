#!/bin/bash
# `cpack -G DEB` of the build tree: the package's files, its Depends (every name an
# installed Debian package, the MPI, HDF5, OpenMP and hwloc libraries among them, from
# dpkg-shlibdeps), and the unpacked package works from wherever it is unpacked.
# usage: deb_test.sh BUILD_DIR WORK_DIR
set -u
build=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" > "$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"; echo "FAIL: cpack -G DEB"; exit 1
fi
deb=$(ls "$work"/parlab_*.deb 2>/dev/null | head -1)
check "one parlab_<version>_<arch>.deb" "[ -n '$deb' ] && [ -f '$deb' ]"
[ -n "$deb" ] || { echo FAIL; exit 1; }
dpkg-deb -c "$deb" | awk '{print $NF}' > "$work/contents.txt"
dpkg-deb -f "$deb" Package Version Architecture Depends Recommends > "$work/control.txt"
cat "$work/control.txt"
for f in usr/bin/parlab usr/bin/parlab-analyze usr/bin/parlab-sweep \
         usr/share/parlab/python/parlab_analysis/cli.py usr/share/parlab/slurm/parlab.sbatch \
         usr/share/parlab/config/tiny.toml usr/libexec/parlab/stop_ranks_launcher.py \
         usr/share/doc/parlab/README.md usr/share/doc/parlab/docs/install.md; do
  check "contains /$f" "grep -qx './$f' '$work/contents.txt'"
done
check "no compiled Python or build files" "! grep -Eq '__pycache__|\\.pyc\$|CMakeFiles' '$work/contents.txt'"
depends=$(dpkg-deb -f "$deb" Depends)
names=$(echo "$depends" | tr ',|' '\n\n' | sed 's/ *(.*//; s/ //g' | sort -u)
for p in libopenmpi3 libhdf5-openmpi-103-1 libgomp1 libstdc++6 openmpi-bin \
         python3-h5py python3-pandas python3-matplotlib; do
  check "Depends names $p" "echo '$names' | grep -qx '$p'"
done
# Every library the binary needs (NEEDED) comes from a package in Depends, or from one a
# Depends package depends on (libopenblas0 -> one of OpenBLAS's flavours).
for soname in $(readelf -d "$build/bin/parlab" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  path=$(ldconfig -p | awk -v s="$soname" '$1 == s && /x86-64|x86_64/ {print $NF; exit}')
  real=$(realpath "$path")
  owner=
  for candidate in "$path" "$real" "${real#/usr}"; do  # dpkg records /lib or /usr/lib
    [ -n "$owner" ] || owner=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1)
  done
  provided=no
  if echo "$names" | grep -qx "$owner"; then provided=yes; fi
  for p in $names; do
    [ $provided = yes ] && break
    if dpkg-query -W -f='${Depends}' "$p" 2>/dev/null | tr ',|' '\n\n' |
         sed 's/ *(.*//; s/ //g' | grep -qx "$owner"; then provided=yes; fi
  done
  check "$soname (package ${owner:-?}) is provided by Depends" "[ -n '$owner' ] && [ $provided = yes ]"
done
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $names 2>/dev/null | grep -c 'install ok installed')
check "every Depends name is a real, installed Debian package ($(echo $names))" \
      "[ $installed -eq $(echo "$names" | wc -l) ]"
# Unpacked anywhere, the scripts find their siblings and the package through their paths.
dpkg-deb -x "$deb" "$work/root"
PATH=$work/root/usr/bin:/usr/bin:/bin "$work/root/usr/bin/parlab-analyze" --help > "$work/help.txt" 2>&1
check "the unpacked parlab-analyze runs" "[ $? -eq 0 ] && grep -q 'export' '$work/help.txt'"
check "the packaged binary has no RUNPATH (Debian's libraries are on the default path)" \
      "! readelf -d '$work/root/usr/bin/parlab' | grep -Eq 'RUNPATH|RPATH'"
check "the unpacked parlab runs" "'$work/root/usr/bin/parlab' list 2>&1 | grep -q dgemm"
[ $fail -eq 0 ] && echo PASS || echo FAIL
