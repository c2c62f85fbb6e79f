#!/bin/bash
# parlab-sweep --dry-run without a cluster (issue 13.10): shapes come from parlab's JSON
# listing, so a parameter value that looks like a shape injects nothing; a path with
# spaces is quoted in #SBATCH lines; bad numbers are one error line.
# usage: sweep_dry_run_test.sh SOURCE_DIR PARLAB WORK_DIR
set -u
source_dir=$1 parlab=$2 work=$3
rm -rf "$work" && mkdir -p "$work/out dir"
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
cat > "$work/tricky.toml" <<TOML
[[run]]
kernel = "io"
size = 1000
dir = "/tmp/x 64x64 reps=1"
ranks = [1, 2]
models = ["serial", "processes"]
TOML
sweep=$source_dir/slurm/parlab-sweep
/usr/bin/python3 "$sweep" "$work/tricky.toml" --out "$work/out dir" --dry-run --parlab "$parlab" \
  > "$work/dry.txt" 2>&1
cat "$work/dry.txt" | head -12
check "the shapes are the config's, none injected" "grep -qx '# shapes: 1x1, 2x1; to run: 1x1, 2x1' '$work/dry.txt'"
check "no 4096-task array" "! grep -q 'ntasks=4096' '$work/dry.txt'"
check "a path with spaces is quoted" "grep -qF '#SBATCH --output=\"$work/out dir/logs/%x-%A_%a.out\"' '$work/dry.txt'"
/usr/bin/python3 "$sweep" "$work/tricky.toml" --out "$work/x" --nodes -3 --dry-run > "$work/bad.txt" 2>&1
rc=$?
check "--nodes -3 is one error line, exit 2" "[ $rc -eq 2 ] && [ \$(wc -l < '$work/bad.txt') -eq 1 ] && grep -q 'must be from 1 to 100000' '$work/bad.txt'"
/usr/bin/python3 "$sweep" "$work/tricky.toml" --out "$work/x\"y" --dry-run --parlab "$parlab" > "$work/quote.txt" 2>&1
check "a quote in a path is refused, not written" "grep -q 'cannot be passed to sbatch' '$work/quote.txt'"
[ $fail -eq 0 ] && echo PASS || echo FAIL
