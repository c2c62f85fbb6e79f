#!/bin/bash
# I/O faults end to end: a missing directory and a read-only file system are refused before
# any work (one line naming the directory, exit 2, no report); a full file system (tmpfs
# mounts made here and removed on exit) gives a one-line error naming the file, exit code
# 1, a report that keeps the run finished before, and no scratch file left behind. Then
# the report itself fills
# the disk mid-experiment: one clear line, exit 2, no crash, the finished runs in the
# journal, and --resume completes the experiment once there is room.
# usage: io_faults.sh PARLAB MPIRUN [MPIRUN ARGS...]
set -u
parlab=$1
shift
mpirun=("$@")
work=$(mktemp -d /tmp/parlab-faults.XXXXXX)
cleanup() {
  umount "$work/full" 2>/dev/null
  umount "$work/ro" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/full" "$work/ro"
if ! mount -t tmpfs -o size=1m tmpfs "$work/full" || ! mount -t tmpfs -o ro,size=1m tmpfs "$work/ro"; then
  if [ "${CI:-}" = true ]; then echo "FAIL: cannot mount a tmpfs to test a full file system"; exit 1; fi
  echo "SKIP: cannot mount a tmpfs here (not root?)"
  exit 77
fi
fail=0
run_case() {
  local name=$1 dir=$2 expected=$3 extra=${4:-} size=${5:-1000000}
  cat > "$work/$name.toml" <<TOML
[experiment]
repetitions = 2
[[run]]
kernel = "empty"
size = 1
[[run]]
kernel = "io"
models = ["processes"]
ranks = 2
size = $size
dir = "$dir"
$extra
TOML
  timeout 120 "${mpirun[@]}" -n 2 "$parlab" run "$work/$name.toml" -o "$work/$name.h5" -q \
    > "$work/$name.out" 2> "$work/$name.err"
  local rc=$?
  echo "--- $name: exit $rc"
  grep '^parlab:' "$work/$name.err"
  [ $rc -eq 1 ] || { echo "FAIL($name): exit $rc, expected 1"; fail=1; }
  grep -Eq "^parlab: run run-0002 failed: .*$expected" "$work/$name.err" ||
    { echo "FAIL($name): no error line matching /$expected/"; fail=1; }
  h5dump -a /runs/run-0001/status "$work/$name.h5" 2>/dev/null | grep -q '"ok"' ||
    { echo "FAIL($name): the run before the fault was not kept"; fail=1; }
  h5dump -a /runs/run-0002/status "$work/$name.h5" 2>/dev/null | grep -q '"error"' ||
    { echo "FAIL($name): the failed run is not marked error"; fail=1; }
  if [ -d "$dir" ] && ls "$dir" | grep -q parlab-; then
    echo "FAIL($name): scratch files left in $dir"; fail=1
  fi
}
# Refused before any work: exit 2, one error line, nothing written.
refused_case() {
  local name=$1 dir=$2 expected=$3
  printf '[[run]]\nkernel = "empty"\nsize = 1\n[[run]]\nkernel = "io"\nmodels = ["processes"]\nranks = 2\nsize = 1000\ndir = "%s"\n' \
    "$dir" > "$work/$name.toml"
  timeout 120 "${mpirun[@]}" -n 2 "$parlab" run "$work/$name.toml" -o "$work/$name.h5" -q \
    > "$work/$name.out" 2> "$work/$name.err"
  local rc=$?
  echo "--- $name: exit $rc"
  grep '^parlab:' "$work/$name.err"
  [ $rc -eq 2 ] || { echo "FAIL($name): exit $rc, expected 2"; fail=1; }
  [ "$(grep -c '^parlab:' "$work/$name.err")" -eq 1 ] && grep -Eq "^parlab: error: .*$expected" "$work/$name.err" ||
    { echo "FAIL($name): not one error line matching /$expected/"; fail=1; }
  [ ! -e "$work/$name.h5" ] && [ ! -e "$work/$name.h5.tmp" ] ||
    { echo "FAIL($name): a report was written"; fail=1; }
}
refused_case missing "$work/missing" "run-0002 \\(kernel io\\): io dir = \"$work/missing\": No such file or directory"
refused_case read-only "$work/ro" "run-0002 \\(kernel io\\): io dir = \"$work/ro\": Read-only file system"
# OMPIO returns success on a full file system; the short count gives it away.
scratch="$work/full/parlab-[^/]*/checkpoint"
run_case full "$work/full" "MPI_File_write_at_all on $scratch[^:]*: wrote [0-9]+ of [0-9]+ bytes"
run_case full-nonblocking "$work/full" \
  "MPI_File_iwrite_at_all not attempted on $scratch[^:]*: [0-9]+ more bytes needed" \
  'mode = "nonblocking"'
run_case full-hdf5 "$work/full" "H5Dwrite not attempted on $scratch[^:]*: [0-9]+ more bytes needed" 'mode = "hdf5"'
run_case full-independent "$work/full" "MPI_File_write_at on $scratch" 'mode = "independent"'
# Each rank's 800 KB fits in the 1 MiB file system, both ranks' do not: checked together.
run_case full-per-rank-nonblocking "$work/full" \
  "MPI_File_iwrite_at_all not attempted on $scratch\\.rank[01]\\.dat: [0-9]+ more bytes needed by the ranks writing to this file system" \
  "$(printf 'mode = "nonblocking"\nlayout = "file-per-rank"')" 200000

# The report's own disk fills up part-way (about 600 KiB left; config/tiny.toml needs more:
# its report is about 830 KiB). A file system of its own, large enough for the resumed run.
rm -rf "${work:?}"/full/*
umount "$work/full" && mount -t tmpfs -o size=3m tmpfs "$work/full" ||
  { echo "FAIL: cannot mount the report's tmpfs"; exit 1; }
head -c 2500000 /dev/zero > "$work/full/filler"
report=$work/full/tiny.h5
source_dir=$(dirname "$(realpath "$0")")/../..
timeout 300 "${mpirun[@]}" -n 2 "$parlab" run "$source_dir/config/tiny.toml" -o "$report" -q \
  > "$work/report-full.out" 2> "$work/report-full.err"
rc=$?
echo "--- report on a full disk: exit $rc"
grep '^parlab: error' "$work/report-full.err"
[ $rc -eq 2 ] || { echo "FAIL(report-full): exit $rc, expected 2"; fail=1; }
grep -q "^parlab: error: report $report.tmp: the disk is full ([0-9]* bytes free, about [0-9]* needed)" \
  "$work/report-full.err" || { echo "FAIL(report-full): no clear error line"; fail=1; }
! grep -Eq "fatal error|MPI_ABORT" "$work/report-full.err" ||
  { echo "FAIL(report-full): parlab aborted"; fail=1; }
kept=$(( $(wc -l < "$report.journal") - 1 ))
echo "runs in the journal: $kept"
[ "$kept" -ge 1 ] || { echo "FAIL(report-full): no finished run in the journal"; fail=1; }
rm -f "$work/full/filler"
timeout 300 "${mpirun[@]}" -n 2 "$parlab" run "$source_dir/config/tiny.toml" -o "$report" -q \
  --resume > /dev/null 2>&1 || { echo "FAIL(report-full): --resume failed"; fail=1; }
h5dump -a /runs_resumed "$report" 2>/dev/null | grep -q "(0): $kept\$" ||
  { echo "FAIL(report-full): the resumed report does not keep the $kept runs"; fail=1; }
[ $fail -eq 0 ] && echo PASS
exit $fail
