#!/bin/bash
# Adaptive, interleaved measurement end to end: a precision that can be met stops there and
# says so; one that cannot stops at max_time and says so; the noise floor is recorded; every
# repetition has its round; bad precision or budget is one line and exit 2; parlab check
# prints its findings. Usage: adaptive_test.sh PARLAB MPIRUN
set -uo pipefail
parlab=$1 mpirun=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
attr() { h5dump -a "$2" "$1" | sed -n 's/^ *(0): *//p' | tr -d '"'; }

cat > "$dir/met.toml" <<'TOML'
[experiment]
repetitions = 6
noise_floor = true
precision = 0.2
max_time = 60
[[run]]
kernel = "wait"
size = 2
wait_us = 3000
models = ["serial", "threads"]
threads = [1, 2]
TOML
"$mpirun" -n 1 "$parlab" run "$dir/met.toml" -o "$dir/met.h5" -q >/dev/null || fail "met.toml did not run"
for run in run-0001 run-0002; do
  [[ $(attr "$dir/met.h5" /runs/$run/stop_reason) == "precision met" ]] ||
    fail "$run stopped for '$(attr "$dir/met.h5" /runs/$run/stop_reason)', not precision met"
  reps=$(attr "$dir/met.h5" /runs/$run/repetitions)
  (( reps >= 6 )) || fail "$run has $reps repetitions, fewer than the 6 an interval needs"
  rounds=$(/usr/bin/python3 -c "import h5py, sys; print(','.join(str(r) for r in h5py.File(sys.argv[1], 'r')[sys.argv[2]][()]))" "$dir/met.h5" /runs/$run/round)
  [[ $rounds == $(seq -s, 0 $((reps - 1))) ]] || fail "$run rounds are '$rounds'"
done
[[ -n $(attr "$dir/met.h5" /environment/noise_floor_ratio) ]] || fail "no noise floor recorded"
echo "precision met: PASS"

sed -e 's/precision = 0.2/precision = 0.0001/' -e 's/max_time = 60/max_time = 0.3/' \
  -e 's/noise_floor = true/noise_floor = false/' "$dir/met.toml" > "$dir/budget.toml"
"$mpirun" -n 1 "$parlab" run "$dir/budget.toml" -o "$dir/budget.h5" -q >/dev/null || fail "budget.toml did not run"
[[ $(attr "$dir/budget.h5" /runs/run-0001/stop_reason) == "max_time spent" ]] ||
  fail "budget: stopped for '$(attr "$dir/budget.h5" /runs/run-0001/stop_reason)'"
echo "budget spent: PASS"

for bad in "precision = 0" "precision = 1" "precision = -0.5" "max_time = 0" "max_time = -3" "interleave = 3"; do
  sed -e "s/^precision = 0.2$/$bad/" "$dir/met.toml" > "$dir/bad.toml"
  [[ $bad == max_time* || $bad == interleave* ]] && sed -e "s/^max_time = 60$/$bad/" "$dir/met.toml" > "$dir/bad.toml"
  [[ $bad == interleave* ]] && printf '%s\n' "[experiment]" "$bad" "[[run]]" 'kernel = "empty"' 'size = 1' > "$dir/bad.toml"
  out=$("$mpirun" -n 1 "$parlab" run "$dir/bad.toml" -o "$dir/bad.h5" 2>&1); rc=$?
  [[ $rc == 2 && $(grep -c "parlab: error:" <<<"$out") == 1 ]] || fail "'$bad': exit $rc, output: $out"
  [[ ! -e $dir/bad.h5 ]] || fail "'$bad' left a report"
done
echo "bad input: PASS"

out=$("$mpirun" -n 1 "$parlab" check --seconds 0.5 2>&1); rc=$?
[[ $rc == 0 || $rc == 1 ]] || fail "check exit $rc: $out"
for finding in "CPUs online" "steal time" "memory available" "CPU clock\|clock" "governor"; do
  grep -q "$finding" <<<"$out" || fail "check says nothing about '$finding': $out"
done
echo "check: PASS"
