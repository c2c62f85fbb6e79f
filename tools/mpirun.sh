#!/bin/bash
# mpirun with the flags parlab's single-machine runs need: root allowed (containers,
# CI), no core binding (threads of one rank must be free to use every core), and
# oversubscription allowed (tests start more ranks than this machine has cores).
# OpenMP threads sleep rather than spin when they wait (unless OMP_WAIT_POLICY is set):
# spinning threads steal the core of the one holding the gil model's lock, and of ranks
# sharing a node, and turn microsecond runs into scheduler-tick (ms) runs.
#
# A stop signal to this launcher (SIGTERM from a batch system or `kill`, SIGINT from
# Ctrl-C) is passed on to the ranks themselves (tools/stop_ranks_launcher.py): parlab then
# finishes a partial report on every rank and exits 4, which mpirun passes on. Signalled
# itself, Open MPI's mpirun aborts the job and exits 1 whatever the ranks did.
exec /usr/bin/python3 "$(dirname "$(realpath "$0")")/stop_ranks_launcher.py" \
  mpirun --allow-run-as-root --oversubscribe --bind-to none \
  -x OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" "$@"
