#!/usr/bin/python3
"""The independent reference for bench/python.sh: the same tasks as plain CPython programs
(threading, multiprocessing, asyncio; no parlab), best repetition of each, as JSON.
usage: python_reference.py REPETITIONS > reference.json"""
import asyncio
import hashlib
import json
import multiprocessing
import random
import sys
import threading
import time

COUNT = 3_000_000       # per worker, as bench/python.toml's count (size = per group)
LOCKED = 200_000         # as bench/python.toml's locked_counter
SLEEPS, SLEEP_S = 16, 0.005
HASHES, BUFFER = 16, random.Random(1).randbytes(4096 * 1024)

counter = 0
lock = threading.Lock()


def count_up(n):
    c = 0
    for _ in range(n):
        c += 1


def count_down(n):
    c = 0
    for _ in range(n):
        c -= 1


def locked(delta, n):
    global counter
    for _ in range(n):
        with lock:
            counter += delta


def hashes(n):
    for _ in range(n):
        hashlib.sha256(BUFFER).digest()


def sleeps(n):
    for _ in range(n):
        time.sleep(SLEEP_S)


def together(kind, jobs):
    workers = [kind(target=fn, args=args) for fn, args in jobs]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


async def sleep_all():
    await asyncio.gather(*(asyncio.sleep(SLEEP_S) for _ in range(SLEEPS)))


PROGRAMS = {
    "count_serial": lambda: (count_up(COUNT), count_down(COUNT)),
    "count_threads": lambda: together(threading.Thread, [(count_up, (COUNT,)), (count_down, (COUNT,))]),
    "count_processes": lambda: together(multiprocessing.Process,
                                        [(count_up, (COUNT,)), (count_down, (COUNT,))]),
    "locked_serial": lambda: (locked(1, LOCKED), locked(-1, LOCKED)),
    "locked_threads": lambda: together(threading.Thread, [(locked, (1, LOCKED)), (locked, (-1, LOCKED))]),
    "sleep_serial": lambda: sleeps(SLEEPS),
    "sleep_threads": lambda: together(threading.Thread, [(sleeps, (1,))] * SLEEPS),
    "sleep_async": lambda: asyncio.run(sleep_all()),
    "native_serial": lambda: hashes(HASHES),
    "native_threads": lambda: together(threading.Thread, [(hashes, (HASHES // 2,))] * 2),
}


def main(repetitions):
    best = {}
    for name, program in PROGRAMS.items():
        times = []
        for _ in range(repetitions):
            start = time.perf_counter()
            program()
            times.append(time.perf_counter() - start)
        best[name] = min(times)
    best["locked_counter_final"] = counter
    best["python"] = sys.version.split()[0]
    print(json.dumps(best))


if __name__ == "__main__":
    main(int(sys.argv[1]))
