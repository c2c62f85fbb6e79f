// The python kernel's built-in tasks, as Python source (see python_tasks.h).
#include "kernels/python_tasks.h"

namespace parlab::python {

// The loops are the seed programs' own; pair tasks return (ups done, downs done), range
// tasks (items done, a figure to verify). Coroutine forms of CPU-bound tasks never await:
// on one event loop they run one after the other, which is what asyncio gives them.
const char* const kTasksSource = R"py(
import asyncio, hashlib, os, random, threading, time, zlib

x = 0                      # the counter tasks' shared counter (one per interpreter)
LOCK = threading.Lock()
ASYNC_LOCK = asyncio.Lock()
SLEEP_S = 0.0
FD = -1
READ_BYTES = 0
NATIVE = "sha256"
BUFFER = b""
DIGEST = b""

def pattern_byte(offset):
    return (offset * 131 + 7) & 255

def _digest():
    if NATIVE == "sha256":
        return hashlib.sha256(BUFFER).digest()
    return zlib.crc32(zlib.compress(BUFFER, 1)).to_bytes(4, "little")

def configure(sleep_s, fd, read_bytes, native, native_bytes):
    global SLEEP_S, FD, READ_BYTES, NATIVE, BUFFER, DIGEST
    SLEEP_S, FD, READ_BYTES, NATIVE = sleep_s, fd, read_bytes, native
    if native_bytes > 0:
        BUFFER = random.Random(1).randbytes(native_bytes)
        DIGEST = _digest()

def count_pass(ups, downs):
    i = -1
    for i in range(ups):
        pass
    j = -1
    for j in range(downs):
        pass
    return i + 1, j + 1

def count_updown(ups, downs):
    c = 0
    for _ in range(ups):
        c += 1
    d = 0
    for _ in range(downs):
        d -= 1
    return c, -d

def locked_counter(ups, downs):
    global x
    for _ in range(ups):
        with LOCK:
            x += 1
    for _ in range(downs):
        with LOCK:
            x -= 1
    return ups, downs

def unlocked_counter(ups, downs):
    global x
    for _ in range(ups):
        x += 1
    for _ in range(downs):
        x -= 1
    return ups, downs

def sleep(begin, end):
    shortest = float("inf")
    for _ in range(begin, end):
        start = time.perf_counter()
        time.sleep(SLEEP_S)
        shortest = min(shortest, time.perf_counter() - start)
    return end - begin, shortest

def _read_ok(data):
    n = len(data)
    return (n == READ_BYTES and n > 0 and data[0] == pattern_byte(0)
            and data[n // 2] == pattern_byte(n // 2) and data[-1] == pattern_byte(n - 1))

def file_read(begin, end):
    good = 0
    for _ in range(begin, end):
        if _read_ok(os.pread(FD, READ_BYTES, 0)):
            good += 1
    return end - begin, good * READ_BYTES

def native(begin, end):
    good = 0
    for _ in range(begin, end):
        if _digest() == DIGEST:
            good += 1
    return end - begin, good

async def count_pass_async(ups, downs):
    return count_pass(ups, downs)

async def count_updown_async(ups, downs):
    return count_updown(ups, downs)

async def locked_counter_async(ups, downs):
    global x
    for _ in range(ups):
        async with ASYNC_LOCK:
            x += 1
    for _ in range(downs):
        async with ASYNC_LOCK:
            x -= 1
    return ups, downs

async def unlocked_counter_async(ups, downs):
    return unlocked_counter(ups, downs)

async def sleep_async(begin, end):
    shortest = float("inf")
    for _ in range(begin, end):
        start = time.perf_counter()
        await asyncio.sleep(SLEEP_S)
        shortest = min(shortest, time.perf_counter() - start)
    return end - begin, shortest

async def file_read_async(begin, end):
    return file_read(begin, end)  # blocks the loop: asyncio has no file reads of its own

async def native_async(begin, end):
    return native(begin, end)
)py";

}  // namespace parlab::python
