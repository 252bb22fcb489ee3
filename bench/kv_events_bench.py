#!/usr/bin/env python3
"""KV-event ingest throughput of one TokenSim.Server silo (issue 9's target: 50,000 KV events per second).

Each repeat starts the built server (src/TokenSim.Server/bin/Release/net10.0/TokenSim.Server.dll) with a sources file
whose one target has kv_events bound on a free port, connects a pyzmq PUB socket to it as vLLM does when its endpoint
names the twin's host, and publishes --batches KVEventBatch messages in vLLM 0.19's layout ([topic, seq, msgpack([ts,
events, rank])]) as fast as pyzmq sends. Each batch holds --events events: half BlockStored (one 16-token block each,
chained to the previous batch's), half BlockRemoved (the blocks stored two batches earlier), so the mirror stays small.
The payloads are encoded before the clock starts. The clock runs from the first send until the server's /metrics shows
every batch delivered to the replica grain's mirror (tokensim_kv_event_batches_delivered_total) and accounted
(tokensim_kv_event_sequence_unaccounted 0, nothing lost or rejected). Prints events/s per repeat and the median, and
the events per CPU-second the server process used in that window (/proc/PID/stat), which says what one core
sustains when the machine is shared (the wall figure then depends on how much of a core the server got).

    python3 bench/kv_events_bench.py [--batches 100000] [--events 8] [--repeats 3] [--json FILE]
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import msgpack
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLL = os.path.join(ROOT, "src", "TokenSim.Server", "bin", "Release", "net10.0", "TokenSim.Server.dll")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def payloads(batches, events):
    half = events // 2
    out = []
    for b in range(batches):
        evs = []
        for k in range(half):
            h = b * half + k + 1
            parent = (b - 1) * half + k + 1 if b > 0 else None
            evs.append(["BlockStored", [h], parent, list(range(h % 1000, h % 1000 + 16)), 16, None, "GPU", None, [None]])
        if b >= 2:
            for k in range(half):
                evs.append(["BlockRemoved", [(b - 2) * half + k + 1], "GPU"])
        out.append(msgpack.packb([time.time(), evs, 0], use_bin_type=True))
    return out


def cpu_seconds(pid):
    """User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metric(text, name, label=None):
    total = 0.0
    for m in re.finditer(r"^" + re.escape(name) + r"(\{[^}]*\})? (\S+)$", text, re.M):
        if label is None or (m.group(1) and label in m.group(1)):
            total += float(m.group(2))
    return total


def run_once(batches, events, data):
    grpc, mport, kv = free_port(), free_port(), free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(f"""deployments:
  - name: bench
    targets:
      - metrics: http://127.0.0.1:{free_port()}/metrics
        replica: 0
        kv_events: {{endpoint: "tcp://127.0.0.1:{kv}", bind: true, topic: kv}}
""")
        sources = f.name
    server = subprocess.Popen(["dotnet", DLL, "--grpc-port", str(grpc), "--metrics-port", str(mport), "--silo-port", str(free_port()),
                               "--gateway-port", str(free_port()), "--sources", sources, "--forecast-interval", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    url = f"http://127.0.0.1:{mport}/metrics"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError("server did not start: " + server.stderr.read().decode())
                time.sleep(0.3)
        ctx = zmq.Context.instance()
        pub = ctx.socket(zmq.PUB)
        pub.setsockopt(zmq.SNDHWM, 0)
        pub.connect(f"tcp://127.0.0.1:{kv}")
        time.sleep(1.0)  # PUB/SUB joins asynchronously
        topic = b"kv"
        cpu0 = cpu_seconds(server.pid)
        start = time.perf_counter()
        for seq, p in enumerate(data):
            pub.send_multipart([topic, seq.to_bytes(8, "big"), p])
        sent = time.perf_counter() - start
        while True:
            text = urllib.request.urlopen(url, timeout=10).read().decode()
            delivered = metric(text, "tokensim_kv_event_batches_delivered_total")
            if delivered >= batches:
                break
            if time.perf_counter() - start > 600:
                raise RuntimeError(f"only {delivered} of {batches} batches delivered after 600 s")
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds(server.pid) - cpu0
        pub.close()
        applied_events = metric(text, "tokensim_kv_events_total")
        check = {
            "sequence_numbers": metric(text, "tokensim_kv_event_sequence_numbers_total"),
            "lost": metric(text, "tokensim_kv_event_batches_lost_total"),
            "rejected": metric(text, "tokensim_kv_event_batches_rejected_total"),
            "unaccounted": metric(text, "tokensim_kv_event_sequence_unaccounted"),
            "mirror_blocks": metric(text, "tokensim_kv_mirror_blocks"),
        }
        if check["sequence_numbers"] != batches or check["lost"] or check["rejected"] or check["unaccounted"]:
            raise RuntimeError(f"not every batch was applied: {check}")
        return {"events": applied_events, "seconds": elapsed, "send_seconds": sent, "events_per_s": applied_events / elapsed,
                "server_cpu_s": cpu, "events_per_cpu_s": applied_events / cpu, "load_average_1m": os.getloadavg()[0], **check}
    finally:
        server.terminate()
        server.wait(10)
        os.unlink(sources)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=8, help="events per batch (even)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not os.path.exists(DLL):
        sys.exit(f"{DLL} is not built: dotnet build src/TokenSim.Server -c Release")
    data = payloads(a.batches, a.events)
    runs = []
    for i in range(a.repeats):
        r = run_once(a.batches, a.events, data)
        runs.append(r)
        print(f"repeat {i + 1}: {r['events']:,.0f} events in {r['seconds']:.2f} s = {r['events_per_s']:,.0f} events/s "
              f"(sent in {r['send_seconds']:.2f} s; server CPU {r['server_cpu_s']:.2f} s = {r['events_per_cpu_s']:,.0f} events per CPU-second; "
              f"load average {r['load_average_1m']:.1f}; lost {r['lost']:.0f}, rejected {r['rejected']:.0f}, unaccounted {r['unaccounted']:.0f})", flush=True)
    median = statistics.median(r["events_per_s"] for r in runs)
    median_cpu = statistics.median(r["events_per_cpu_s"] for r in runs)
    print(f"median: {median:,.0f} KV events/s wall, {median_cpu:,.0f} KV events per server CPU-second")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"batches": a.batches, "events_per_batch": a.events, "runs": runs, "median_events_per_s": median,
                       "median_events_per_cpu_s": median_cpu}, f, indent=2)


if __name__ == "__main__":
    main()
