#!/usr/bin/python3
"""check_multinode.py TWO_NODE_REPORT ONE_NODE_REPORT: the 2-node report lists 2 nodes, runs
with more threads than the machine's cores are marked oversubscribed,
its stencil and io results equal the 1-node ones bitwise, halos crossed nodes, and
pingpong recorded a positive inter-node latency. Exit 1 with the reason otherwise."""
import math
import sys

import h5py

two, one = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
hosts = {h.decode() for h in two["environment/hostnames"][()]}
assert len(hosts) == 2, f"expected 2 distinct nodes, got {hosts}"
# The emulated nodes share this machine's cores: a shape with more threads than those cores
# is oversubscribed however many "nodes" it spans.
cores = int(two["environment"].attrs["cores_online"])
for name, run in two["runs"].items():
    assert run.attrs["status"] == "ok", (name, run.attrs["message"])
    assert int(run.attrs["nodes"]) == 2, name
    if int(run.attrs["ranks"]) * int(run.attrs["threads"]) > cores:
        assert int(run.attrs["oversubscribed"]) == 1, f"{name}: not marked oversubscribed"
    kernel = run.attrs["kernel"]
    if kernel in ("stencil", "io"):
        a = run["results/checksum"][()]
        b = one["runs"][name]["results/checksum"][()]
        assert a == b, (name, a, b)  # bitwise: the same doubles
        print(name, kernel, "checksum equal to one node's:", a)
    if kernel == "stencil":
        assert run["results/comm_inter"][()] > 0, f"{name}: no halo crossed the nodes"
    if kernel == "pingpong":
        inter = run["results/latency_inter"][()]
        assert math.isfinite(inter) and inter > 0, inter
        print(name, "inter-node latency", inter, "s")
print("multi-node checks passed")
