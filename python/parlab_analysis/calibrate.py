"""Runs the classic CPython programs (two counting threads, the same with processes, a
lock-protected counter) with a given interpreter and stores their times in the report."""
import json
import os
import shutil
import subprocess

PROGRAM = r'''
import json, multiprocessing, sys, threading, time
N = int(sys.argv[1])

def count_up(n):
    c = 0
    for _ in range(n):
        c += 1

def count_down(n):
    c = 0
    for _ in range(n):
        c -= 1

def timed(fn):
    start = time.perf_counter(); fn(); return time.perf_counter() - start

def serial():
    count_up(N); count_down(N)

def run_all(kind):
    workers = [kind(target=count_up, args=(N,)), kind(target=count_down, args=(N,))]
    for w in workers: w.start()
    for w in workers: w.join()

counter = 0
lock = threading.Lock()
def locked(delta):
    global counter
    for _ in range(N):
        with lock:
            counter += delta

def locked_counter():
    ts = [threading.Thread(target=locked, args=(d,)) for d in (1, -1)]
    for t in ts: t.start()
    for t in ts: t.join()

if __name__ == "__main__":
    out = {"serial_s": timed(serial),
           "threads_s": timed(lambda: run_all(threading.Thread)),
           "processes_s": timed(lambda: run_all(multiprocessing.Process)),
           "locked_counter_s": timed(locked_counter),
           "locked_counter_final": counter,
           "version": sys.version.split()[0],
           "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)()}
    print(json.dumps(out))
'''

FREE_THREADED = ("python3.13t", "python3.14t")


class CalibrationSkipped(Exception):
    pass


def run_program(python, iterations):
    if not os.path.exists(python):
        raise CalibrationSkipped(f"{python} not found: CPython calibration skipped")
    try:
        result = subprocess.run([python, "-c", PROGRAM, str(iterations)], capture_output=True,
                                text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CalibrationSkipped(f"{python} could not run the calibration ({error})") from None
    if result.returncode != 0:
        raise CalibrationSkipped(f"{python} failed: {result.stderr.strip().splitlines()[-1:]}")
    try:
        measured = json.loads(result.stdout)
        for key in ("serial_s", "threads_s", "processes_s", "locked_counter_s",
                    "locked_counter_final"):
            float(measured[key])
        return measured
    except (ValueError, KeyError, TypeError):
        raise CalibrationSkipped(f"{python} printed no calibration figures: "
                                 f"{result.stdout.strip()[:80]!r}") from None


def calibrate(report, python, iterations):
    """Measures and writes /calibration into the report; returns the measurements."""
    import h5py

    measured = run_program(python, iterations)
    free = next((shutil.which(name) for name in FREE_THREADED if shutil.which(name)), None)
    measured["free_threaded"] = run_program(free, iterations) if free else None
    with h5py.File(report, "a") as handle:
        if "calibration" in handle:
            del handle["calibration"]
        group = handle.create_group("calibration")
        group.attrs["description"] = (
            "the classic Python programs run with the system CPython: two workers counting "
            f"{iterations} times up and down, serially, as two threads and as two processes, "
            "and two threads updating one lock-protected counter")
        group.attrs["python"] = python
        group.attrs["python_version"] = measured["version"]
        group.attrs["iterations"] = iterations
        group.attrs["free_threaded"] = (
            f"{free} (version {measured['free_threaded']['version']})" if free
            else "no free-threaded CPython available from Debian on this machine")
        for name in ("serial_s", "threads_s", "processes_s", "locked_counter_s"):
            dataset = group.create_dataset(name, data=measured[name])
            dataset.attrs["units"] = "s"
            dataset.attrs["description"] = f"wall time of the {name[:-2].replace('_', ' ')} program"
        final = group.create_dataset("locked_counter_final", data=measured["locked_counter_final"])
        final.attrs["units"] = "1"
        final.attrs["description"] = "the lock-protected counter's final value (must be 0)"
        if free:
            ft = measured["free_threaded"]
            for name in ("serial_s", "threads_s"):
                dataset = group.create_dataset("free_threaded_" + name, data=ft[name])
                dataset.attrs["units"] = "s"
                dataset.attrs["description"] = f"{name[:-2]} program under the free-threaded CPython"
    return measured
