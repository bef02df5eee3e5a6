"""Dask distributed's side of Weft's seed benchmark (see bench/workloads/seed.ts).

Usage:
    /usr/bin/python3 bench/dask/seed.py <n> [default|saturation-inf]
    /usr/bin/python3 bench/dask/seed.py latency <k> [default|saturation-inf]

Workload for n: incs = map(inc, range(n)); decs = map(dec, range(n));
adds = map(add, incs, decs); total = sum(adds) -- 3n + 1 tasks, submitted as
futures with client.map / client.submit (as Prefect's DaskTaskRunner does),
on LocalCluster(n_workers=2, threads_per_worker=1, processes=True).

`default` keeps Dask's defaults (scheduler-side queuing, worker-saturation 1.1
in distributed >= 2022.11); `saturation-inf` turns queuing off, like
DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=inf.

Prints exactly one JSON line on stdout:
    {"ms", "tasks", "tasksPerSec", "mode", "workerSaturation", "distributed"}   (seed)
    {"latencyMsMedian", "k", "mode", "workerSaturation", "distributed"}         (latency)
All Dask output (logs, worker processes' stdout) goes to stderr.
"""

import json
import logging
import os
import statistics
import sys
import time

MODES = ("default", "saturation-inf")


def inc(x):
    return x + 1


def dec(x):
    return x - 1


def add(x, y):
    return x + y


def total(xs):
    return sum(xs)


def seed(client, n):
    """Submits the seed workload for n and returns its result."""
    r = list(range(n))
    incs = client.map(inc, r, pure=False)
    decs = client.map(dec, r, pure=False)
    adds = client.map(add, incs, decs, pure=False)
    return client.submit(total, adds, pure=False).result()


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def main():
    args = sys.argv[1:]
    if not args:
        usage()
    latency = args[0] == "latency"
    if latency:
        args = args[1:]
        if not args:
            usage()
    count = int(args[0])
    mode = args[1] if len(args) > 1 else "default"
    if mode not in MODES or count < 1:
        usage()

    # Keep stdout for the one JSON line; everything else written to fd 1 (by this
    # process or the spawned worker processes, which inherit it) goes to stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    import dask
    import distributed
    from distributed import Client, LocalCluster

    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)
    config = {"distributed.logging.distributed": "error"}
    if mode == "saturation-inf":
        config["distributed.scheduler.worker-saturation"] = float("inf")
    dask.config.set(config)

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster) as client:
        # What the scheduler actually uses (str: json.dumps(inf) is not valid JSON).
        saturation = str(cluster.scheduler.WORKER_SATURATION)
        if latency:
            for i in range(20):  # warm-up
                client.submit(inc, i, pure=False).result()
            samples = []
            for i in range(count):
                start = time.perf_counter()
                value = client.submit(inc, i, pure=False).result()
                samples.append((time.perf_counter() - start) * 1000)
                if value != i + 1:
                    raise AssertionError(f"inc({i}) returned {value}")
            line = {
                "latencyMsMedian": statistics.median(samples),
                "k": count,
                "mode": mode,
                "workerSaturation": saturation,
                "distributed": distributed.__version__,
            }
        else:
            warm = 200
            if seed(client, warm) != warm * (warm - 1):
                raise AssertionError("warm-up run returned a wrong total")
            start = time.perf_counter()
            result = seed(client, count)
            ms = (time.perf_counter() - start) * 1000
            if result != count * (count - 1):
                raise AssertionError(f"seed({count}) returned {result}, expected {count * (count - 1)}")
            tasks = 3 * count + 1
            line = {
                "ms": ms,
                "tasks": tasks,
                "tasksPerSec": tasks / (ms / 1000),
                "mode": mode,
                "workerSaturation": saturation,
                "distributed": distributed.__version__,
            }
        out.write(json.dumps(line) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
