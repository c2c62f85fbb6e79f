# The python kernel's empty user task, for bench/python.sh: its time per repetition is the
# harness's and the embedding's own overhead.
def noop(begin, end):
    return None
