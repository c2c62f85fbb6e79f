#!/bin/bash
# parlab writes only regular files it created itself or verified it may replace (issue
# 13.1, 13.5): every place that creates a file refuses a device, a FIFO, a directory or a
# symlink before any work, with one error line and exit 2, and leaves what was there
# untouched. Also: locks of jobs that are gone are taken over, live ones are not, and
# --resume of a complete report leaves it as it is.
# usage: unsafe_paths.sh PARLAB MPIRUN (work dir: the current directory)
set -u
parlab=$(realpath "$1")
mpirun=$2
work=$PWD/unsafe
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail=0
pass() { echo "ok: $1"; }
flunk() { echo "FAIL: $1"; fail=1; }
printf '[[run]]\nkernel = "empty"\nsize = 1\nrepetitions = 2\n' > cfg.toml
echo precious > victim
# refused NAME REGEX COMMAND...: exit 2 and one parlab line matching REGEX.
refused() {
  local name=$1 regex=$2
  shift 2
  "$@" > "$name.out" 2> "$name.err"
  local rc=$?
  if [ $rc -eq 2 ] && [ "$(grep -c '^parlab:' "$name.err")" -eq 1 ] &&
     grep -Eq "^parlab: error: .*$regex" "$name.err"; then
    pass "$name refused: $(grep '^parlab:' "$name.err")"
  else
    flunk "$name: exit $rc: $(cat "$name.err" | head -3)"
  fi
}
run() { "$mpirun" -n 1 "$parlab" run cfg.toml -q "$@"; }

refused output-dev-null "/dev/null.* is a character device" run -o /dev/null
[ -c /dev/null ] && pass "/dev/null is still a device" || flunk "/dev/null was replaced"
mkfifo fifo.h5
refused output-fifo "fifo.h5 is a FIFO" run -o fifo.h5
[ -p fifo.h5 ] && pass "the FIFO is left" || flunk "the FIFO was replaced"
ln -s victim link.h5
refused output-symlink "link.h5 is a symbolic link" run -o link.h5
refused output-config "is the config file" run -o cfg.toml
refused output-binary "is the parlab program" "$mpirun" -n 1 "$parlab" run cfg.toml -q -o "$parlab"
ln -s victim derived.h5.tmp
refused tmp-symlink "derived.h5.tmp is a symbolic link" run -o derived.h5
mkfifo derived2.h5.lock
refused lock-fifo "derived2.h5.lock is a FIFO" run -o derived2.h5
ln -s victim derived3.h5.journal
refused journal-symlink "derived3.h5.journal is a symbolic link" run -o derived3.h5 --resume
[ "$(cat victim)" = precious ] && pass "the symlinks' target is untouched" || flunk "victim was written"
refused primitives-device "--output /dev/full: is a character device" \
        "$mpirun" -n 1 "$parlab" primitives -o /dev/full
[ -c /dev/full ] && pass "/dev/full is still a device" || flunk "/dev/full was replaced"
printf '[[run]]\nkernel = "io"\nsize = 100\nhints = "cb_nodes=0"\n' > hints.toml
refused validate-hints "hints.toml:1: .*hint cb_nodes=0: must be an integer from 1 to 2\\^40" \
        "$mpirun" -n 1 "$parlab" validate hints.toml

# Locks: another host's lock silent for longer than the bound is stale; a fresh one is not.
printf '{"host":"node-that-died","pid":4242,"boot_id":"x","started_utc":"then"}\n' > old.h5.lock
touch -d '10 minutes ago' old.h5.lock
run -o old.h5 > old.out 2>&1 && [ -f old.h5 ] && [ ! -e old.h5.lock ] &&
  pass "a stale lock of another host is taken over" || flunk "stale lock: $(tail -2 old.out)"
printf '{"host":"busy-node","pid":4242,"boot_id":"x","started_utc":"now"}\n' > busy.h5.lock
refused live-lock "busy.h5 is being written by another parlab \\(pid 4242 on busy-node" run -o busy.h5
[ -f busy.h5.lock ] && pass "the live lock is left" || flunk "the live lock was removed"

# --resume of a complete report: nothing measured, nothing rewritten.
before=$(sha256sum old.h5)
run -o old.h5 --resume > resume.out 2> resume.err && grep -q "is complete already" resume.err &&
  [ "$(sha256sum old.h5)" = "$before" ] && pass "--resume of a complete report is a no-op" ||
  flunk "--resume of a complete report: $(cat resume.err | head -2)"

# I/O scratch files: a private directory of its own (mode 0700), nothing outside it.
ln -s "$work/victim" "$work/checkpoint.dat"
printf '[[run]]\nkernel = "io"\nsize = 1000\nrepetitions = 1\ndir = "%s"\nkeep_files = true\n' "$work" > io.toml
"$mpirun" -n 1 "$parlab" run io.toml -q -o io.h5 > io.out 2>&1 || flunk "io run: $(tail -2 io.out)"
scratch=$(ls -d "$work"/parlab-??????)
[ -n "$scratch" ] && [ "$(stat -c %a "$scratch")" = 700 ] && [ -f "$scratch/checkpoint.dat" ] &&
  pass "scratch files in a private directory ($scratch)" || flunk "no private scratch directory"
[ "$(cat victim)" = precious ] && pass "a planted symlink is not written through" || flunk "victim written"
[ $fail -eq 0 ] && echo PASS || echo FAIL
