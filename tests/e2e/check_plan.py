"""Checks `parlab plan --json` output (stdin) against its topology, for every shape and
placement: no CPU used twice unless the plan is flagged oversubscribed, a rank of a domain
placement inside its domain, smt = false one PU per core, compact filling the cores in
order, and an error exactly where a domain placement cannot hold the shape.
usage: parlab plan CONFIG --json | check_plan.py EXPECTED_PLANS"""
import collections
import json
import sys

LEVEL_KEY = {"socket": "package", "numa": "numa", "l3": "l3"}


def domain_placement(name):
    """(level word, ranks per domain) of a domain placement, or None."""
    if name in LEVEL_KEY:
        return name, 1
    count, _, rest = name.partition(" per ")
    return (rest, int(count)) if rest in LEVEL_KEY else None


def part_sizes(size, parts):
    return [size // parts + (1 if i < size % parts else 0) for i in range(parts)]


def expect_error(topology, shape, placement, smt):
    """Whether a domain placement cannot hold the shape, computed independently."""
    level, per = domain_placement(placement)
    key = LEVEL_KEY[level]
    domains = collections.defaultdict(list)
    for core in topology["cores"]:
        if core[key] >= 0:
            domains[core[key]].append(core)
    ranks, threads = shape
    if not domains or ranks > len(domains) * per:
        return True
    ordered = [domains[k] for k in sorted(domains)]
    for r in range(ranks):
        cores = ordered[r // per]
        sizes = part_sizes(len(cores), per)
        begin = sum(sizes[:r % per])
        part = cores[begin:begin + sizes[r % per]]
        capacity = sum(len(c["pus"]) for c in part) if smt else len(part)
        if threads > capacity:
            return True
    return False


def check_bound(topology, item, plan, where):
    problems = []
    core_of = {pu: i for i, c in enumerate(topology["cores"]) for pu in c["pus"]}
    threads = item["threads"]
    uses = collections.Counter()
    order = []
    for r, rank in enumerate(plan["ranks"]):
        if len(rank["thread_cpu"]) != threads:
            problems.append(f"{where} rank {r}: {len(rank['thread_cpu'])} thread CPUs")
        listed = sorted(set(rank["thread_cpu"]))
        if ",".join(map(str, listed)) != rank["cpus"] and len(listed) > 0:
            # cpus is a range list; compare by expanding
            expanded = set()
            for part in rank["cpus"].split(","):
                a, _, b = part.partition("-")
                expanded.update(range(int(a), int(b or a) + 1))
            if expanded != set(listed):
                problems.append(f"{where} rank {r}: cpus {rank['cpus']} != threads' {listed}")
        for cpu in rank["thread_cpu"]:
            if cpu not in core_of:
                problems.append(f"{where} rank {r}: CPU {cpu} is not in the topology")
            uses[cpu] += 1
            order.append(cpu)
        domain = domain_placement(item["placement"])
        level = domain[0] if domain else plan["level"]
        if level and rank["domain"] >= 0:
            key = LEVEL_KEY[level]
            outside = [c for c in rank["thread_cpu"]
                       if topology["cores"][core_of[c]][key] != rank["domain"]]
            if outside:
                problems.append(f"{where} rank {r}: CPUs {outside} outside its {level} "
                                f"{rank['domain']}")
        elif domain:
            problems.append(f"{where} rank {r}: a {level} placement without a domain")
    if any(n > 1 for n in uses.values()) != plan["oversubscribed"]:
        problems.append(f"{where}: CPU use {dict(uses)} but oversubscribed = "
                        f"{plan['oversubscribed']}")
    if not item["smt"]:
        per_core = collections.defaultdict(set)
        for cpu in uses:
            per_core[core_of[cpu]].add(cpu)
        if any(len(p) > 1 for p in per_core.values()):
            problems.append(f"{where}: smt = false but two PUs of one core used")
    if item["placement"] == "compact":
        cores = topology["cores"]
        fill = [pu for c in cores for pu in (c["pus"] if item["smt"] else c["pus"][:1])]
        expected = [fill[i % len(fill)] for i in range(len(order))]
        if order != expected:
            problems.append(f"{where}: compact order {order}, expected {expected}")
    return problems


def check(document):
    problems = []
    topology = document["topologies"][0]
    pu_count = sum(len(c["pus"]) for c in topology["cores"])
    for item in document["plans"]:
        for node in item["nodes"]:
            shape = (item["ranks"], item["threads"])
            where = (f"{item['ranks']}x{item['threads']} '{item['placement']}' "
                     f"smt={item['smt']}")
            domain = domain_placement(item["placement"])
            if "error" in node:
                if not domain or not expect_error(topology, shape, item["placement"],
                                                  item["smt"]):
                    problems.append(f"{where}: unexpected error {node['error']}")
                elif f"placement '{item['placement']}'" not in node["error"] \
                        or "topology" not in node["error"]:
                    problems.append(f"{where}: the error names no placement or topology")
                continue
            if domain and expect_error(topology, shape, item["placement"], item["smt"]):
                problems.append(f"{where}: planned, but it cannot fit")
            plan = node["plan"]
            if item["placement"] == "none":
                if plan["bound"] or plan["oversubscribed"] != (shape[0] * shape[1] > pu_count):
                    problems.append(f"{where}: unbound plan wrong: {plan}")
                continue
            problems += check_bound(topology, item, plan, where)
    return problems


def main(expected_plans):
    document = json.load(sys.stdin)
    problems = check(document)
    count = len(document["plans"])
    if count != int(expected_plans):
        problems.append(f"{count} plans, expected {expected_plans}")
    for problem in problems:
        print("FAIL:", problem)
    errors = sum("error" in n for i in document["plans"] for n in i["nodes"])
    if not problems:
        print(f"PASS: {count} plans ({errors} refused) on {document['topologies'][0]['summary']}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
