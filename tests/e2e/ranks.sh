# Finding the ranks of a running parlab job, for tests that signal or kill single ranks.
# Sourced. PATTERN is matched against the command line (pgrep -f); mpirun itself is not a
# rank (it has no OMPI_COMM_WORLD_RANK), and zombies do not count as running.

# job_ranks PATTERN: pids of the job's ranks that still run.
job_ranks() {
  for p in $(pgrep -f "$1"); do
    grep -q '^[^)]*) [^Z]' "/proc/$p/stat" 2>/dev/null &&
      grep -qz OMPI_COMM_WORLD_RANK "/proc/$p/environ" 2>/dev/null && echo "$p"
  done
}

# rank_pid PATTERN RANK: the pid of one rank of the job.
rank_pid() {
  for p in $(job_ranks "$1"); do
    grep -qz "^OMPI_COMM_WORLD_RANK=$2\$" "/proc/$p/environ" 2>/dev/null && echo "$p"
  done
}
