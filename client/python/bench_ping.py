#!/usr/bin/env python3
"""PING throughput of the Python client at one connection; prints one JSON object.

    python bench_ping.py --socket /tmp/recd.sock --seconds 5 --depth 1
    python bench_ping.py --socket /tmp/recd.sock --seconds 5 --depth 64 --client async

`--depth` is the number of requests kept in flight on the connection (1 = strict
request/response round trips). Compare with `recbench load --op ping --connections 1`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import recd  # noqa: E402


def bench_sync(path: str, seconds: float, depth: int) -> dict:
    client = recd.Client(path, max_in_flight=max(depth, 1))
    client.ping()  # connect outside the timed window
    call = recd.ops.ping()
    latencies = []
    done = 0
    start = time.perf_counter()
    stop = start + seconds
    if depth == 1:
        now = start
        while now < stop:
            t0 = now
            client.call(call)
            now = time.perf_counter()
            latencies.append(now - t0)
            done += 1
    else:
        window: "collections.deque[tuple]" = collections.deque()
        for _ in range(depth):
            window.append((time.perf_counter(), client.submit(call)))
        while window:
            t0, fut = window.popleft()
            fut.result()
            now = time.perf_counter()
            latencies.append(now - t0)
            done += 1
            if now < stop:
                window.append((now, client.submit(call)))
    elapsed = time.perf_counter() - start
    client.close()
    return summarize("sync", depth, done, elapsed, latencies)


async def _bench_async(path: str, seconds: float, depth: int) -> dict:
    client = recd.AsyncClient(path, max_in_flight=max(depth, 1))
    await client.ping()
    call = recd.ops.ping()
    latencies = []
    done = 0
    start = time.perf_counter()
    stop = start + seconds

    async def worker() -> None:
        nonlocal done
        now = time.perf_counter()
        while now < stop:
            t0 = now
            await client.call(call)
            now = time.perf_counter()
            latencies.append(now - t0)
            done += 1

    await asyncio.gather(*(worker() for _ in range(depth)))
    elapsed = time.perf_counter() - start
    await client.close()
    return summarize("async", depth, done, elapsed, latencies)


def summarize(kind: str, depth: int, done: int, elapsed: float, latencies: list) -> dict:
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e6, 1) if latencies else 0.0

    return {
        "op": "PING", "client": kind, "connections": 1, "depth": depth,
        "requests": done, "seconds": round(elapsed, 3),
        "requests_per_second": round(done / elapsed, 1) if elapsed > 0 else 0.0,
        "latency_us": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0)},
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", default=recd.default_socket_path(), help="recd socket path")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to run (default 5)")
    parser.add_argument("--depth", type=int, default=1, help="requests in flight (default 1)")
    parser.add_argument("--client", choices=["sync", "async"], default="sync", help="which client (default sync)")
    args = parser.parse_args()
    if args.depth < 1:
        parser.error("--depth must be at least 1")
    before = os.times()
    if args.client == "sync":
        result = bench_sync(args.socket, args.seconds, args.depth)
    else:
        result = asyncio.run(_bench_async(args.socket, args.seconds, args.depth))
    after = os.times()
    # Client CPU per request (user + sys): far less sensitive than rps to other load on the machine.
    cpu = (after.user - before.user) + (after.system - before.system)
    result["client_cpu_us_per_req"] = round(cpu * 1e6 / result["requests"], 2) if result["requests"] else 0.0
    print(json.dumps(result))


if __name__ == "__main__":
    main()
