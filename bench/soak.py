#!/usr/bin/env python3
"""A stranger's-client load on the twin: P processes of the Python client, each playing one replica of a vLLM
deployment, sending request lifecycles in unary batches at a fixed rate, measuring every batch's acknowledgement.

Each process keeps its replica's events in production-time order (the twin simulates each replica in that order):
a request arrives now, is scheduled at once, gives its first token 50 ms later and finishes 2 s after arriving with
100 output tokens; every batch also carries one engine snapshot. Production time is the wall clock, so nothing is
LATE unless the server falls behind.

  soak.py --server 127.0.0.1:7100 --processes 8 --seconds 60 --rate max      # the measured maximum rate
  soak.py --server 127.0.0.1:7100 --processes 8 --seconds 600 --rate 16000   # a fixed rate (events/s in all)

Prints one JSON object: events sent and applied, events/s, ack latency percentiles (ms), and what GetDeployment and
GetAccuracy report afterwards. bench/soak.sh starts the server, finds the maximum, then soaks at 80% of it.
"""

from __future__ import annotations

import argparse
import heapq
import json
import multiprocessing as mp
import os
import sys
import itertools
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python", "src"))

from tokensim_client import TokenSimClient  # noqa: E402
from tokensim_client import events as ev  # noqa: E402
from tokensim_client.v1 import ingest_pb2  # noqa: E402

PROMPT_TOKENS, OUTPUT_TOKENS, FIRST_TOKEN_S, E2E_S = 512, 100, 0.05, 2.0
# arrived, scheduled, first token, finished
EVENTS_PER_REQUEST = 4


def replica_load(args, replica: int, rate: float | None, out) -> None:
    """One replica's producer; a failure is reported to the parent rather than leaving it waiting for a result."""
    try:
        replica_run(args, replica, rate, out)
    except Exception as e:  # noqa: BLE001 - any failure ends the run, named
        why = f"{e.code().name}: {e.details()}" if hasattr(e, "code") and hasattr(e, "details") else f"{type(e).__name__}: {e}"
        out.put({"error": f"replica {replica}: {why}"})


def replica_run(args, replica: int, rate: float | None, out) -> None:
    """One replica's producer. rate: this process's events/s, or None for as fast as acknowledgements allow."""
    client = TokenSimClient(args.server, timeout_s=30)
    stub, deployment = client._ingest, args.deployment  # one unary call per batch, timed on its own
    pending: list[tuple[float, int, object]] = []  # (production time, tie-break, builder) in time order
    order = itertools.count()
    seq = requests = 0
    latencies: list[float] = []
    sent_at: list[float] = []  # each batch's wall time, for --trace
    sent = applied = late = other = 0
    start = time.time()
    end = start + args.seconds
    next_send = start
    batch_interval = args.batch / rate if rate else 0.0
    while True:
        now = time.time()
        if now >= end:
            break
        if rate:
            if now < next_send:
                time.sleep(next_send - now)
                now = time.time()
            next_send += batch_interval
        batch = ingest_pb2.IngestBatchRequest()
        # Events already due go first, in time order; new arrivals fill the batch.
        while pending and pending[0][0] <= now and len(batch.events) < args.batch - 1:
            t, _, make = heapq.heappop(pending)
            seq += 1
            batch.events.append(make(f"p{replica}-{seq}", t))
        while len(batch.events) < args.batch - 1:
            rid = f"r{replica}-{requests}"
            requests += 1
            seq += 1
            batch.events.append(ev.request_arrived(f"p{replica}-{seq}", deployment, replica, now, request_id=rid,
                                                   prompt_tokens=PROMPT_TOKENS, max_tokens=OUTPUT_TOKENS))
            seq += 1
            batch.events.append(ev.request_scheduled(f"p{replica}-{seq}", deployment, replica, now, request_id=rid))
            for dt, make in ((FIRST_TOKEN_S, lambda i, t, rid=rid: ev.first_token(i, deployment, replica, t, request_id=rid)),
                             (E2E_S, lambda i, t, rid=rid: ev.request_finished(i, deployment, replica, t, request_id=rid,
                                                                               output_tokens=OUTPUT_TOKENS))):
                heapq.heappush(pending, (now + dt, next(order), make))
        seq += 1
        open_requests = len(pending) // 2 + 1
        batch.events.append(ev.engine_snapshot(f"p{replica}-{seq}", deployment, replica, now,
                                               running=open_requests, waiting=0))
        t0 = time.perf_counter()
        ack = stub.IngestBatch(batch, timeout=30, metadata=client._metadata)
        latencies.append((time.perf_counter() - t0) * 1e3)
        if args.trace:
            sent_at.append(now)
        sent += len(batch.events)
        applied += ack.applied
        late += ack.late
        other += ack.invalid + ack.duplicate
    client.close()
    out.put({"sent": sent, "applied": applied, "late": late, "other": other, "seconds": time.time() - start,
             "latencies": latencies, "sent_at": sent_at, "replica": replica})


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(q / 100 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True, help="the twin's gRPC address, host:port")
    p.add_argument("--deployment", default="soak")
    p.add_argument("--processes", type=int, default=8, help="client processes, one replica each")
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--batch", type=int, default=100, help="events per unary IngestBatch call")
    p.add_argument("--rate", default="max", help="events/s over all processes, or 'max' (as fast as acks allow)")
    p.add_argument("--register", action="store_true", help="register the deployment first (llama-3.1-8b on h100-sxm)")
    p.add_argument("--trace", metavar="FILE", help="also write every batch's Unix send time, replica and ack ms (TSV), "
                   "to line stalls up with the server's counters")
    args = p.parse_args()
    if args.batch < 2:
        p.error("--batch must be 2 or more (one snapshot and one lifecycle event)")
    rate = None if args.rate == "max" else float(args.rate)
    if rate is not None and rate <= 0:
        p.error("--rate must be a positive number of events/s or 'max'")
    if args.register:
        with TokenSimClient(args.server) as c:
            c.register_deployment(args.deployment, model="llama-3.1-8b", hardware="h100-sxm", replicas=args.processes)
    out = mp.Queue()
    procs = [mp.Process(target=replica_load, args=(args, r, rate / args.processes if rate else None, out))
             for r in range(args.processes)]
    for pr in procs:
        pr.start()
    results = [out.get() for _ in procs]
    for pr in procs:
        pr.join()
    if failed := [r["error"] for r in results if "error" in r]:
        print(f"soak.py: {len(failed)} of {len(procs)} client processes failed; first: {failed[0]}", file=sys.stderr)
        return 1
    lat = sorted(x for r in results for x in r["latencies"])
    if args.trace:
        with open(args.trace, "w") as f:
            rows = sorted((t, r["replica"], ms) for r in results for t, ms in zip(r["sent_at"], r["latencies"]))
            f.writelines(f"{t:.3f}\t{rep}\t{ms:.2f}\n" for t, rep, ms in rows)
    seconds = max(r["seconds"] for r in results)
    with TokenSimClient(args.server, timeout_s=120) as c:
        info = c.get_deployment(args.deployment)
        t0 = time.perf_counter()
        pages = [(len(p.requests), p.ByteSize()) for p in c.accuracy_pages(args.deployment)]
        accuracy_s = time.perf_counter() - t0
    summary = {
        "processes": args.processes, "batch": args.batch, "rate": args.rate, "seconds": round(seconds, 1),
        "sent": sum(r["sent"] for r in results), "applied": sum(r["applied"] for r in results),
        "late": sum(r["late"] for r in results), "other": sum(r["other"] for r in results),
        "events_per_s": round(sum(r["sent"] for r in results) / seconds, 1),
        "ack_ms": {"p50": round(percentile(lat, 50), 2), "p90": round(percentile(lat, 90), 2),
                   "p99": round(percentile(lat, 99), 2), "max": round(lat[-1], 2) if lat else None, "batches": len(lat)},
        "events_applied": info.events_applied,
        "accuracy_reply": {"records": sum(n for n, _ in pages), "pages": len(pages),
                           "largest_page_bytes": max(b for _, b in pages), "seconds": round(accuracy_s, 2)},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
