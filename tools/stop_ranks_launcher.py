#!/usr/bin/python3
"""stop_ranks_launcher.py MPIRUN ARGS...: runs mpirun in a session of its own and turns a
SIGTERM or SIGINT sent to this process into SIGTERM to mpirun's children, the ranks, so
they stop cleanly (parlab: partial report, exit 4) and mpirun's exit code is theirs.
Python rather than shell: a shell started in the background ignores SIGINT for good."""
import os
import signal
import subprocess
import sys


def main(argv):
    launcher = subprocess.Popen(argv, start_new_session=True)

    def stop_ranks(signum, frame):
        try:
            children = open(f"/proc/{launcher.pid}/task/{launcher.pid}/children").read().split()
        except OSError:
            return
        for child in children:
            try:
                os.kill(int(child), signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop_ranks)
    signal.signal(signal.SIGINT, stop_ranks)
    return launcher.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
