# User tasks for tests/e2e/python_test.sh (the python kernel's task = "user").
import asyncio
import atexit
import os

_marker = os.environ.get("PARLAB_TEST_ATEXIT_MARKER")
if _marker:
    # Runs only when the embedded interpreter is finalised (Py_FinalizeEx) at parlab's exit.
    atexit.register(lambda: open(f"{_marker}.{os.getpid()}", "w").write("finalised\n"))


def total(begin, end):
    return sum(range(begin, end))


async def total_async(begin, end):
    await asyncio.sleep(0)
    return sum(range(begin, end))


def spin(begin, end):
    while True:
        pass
