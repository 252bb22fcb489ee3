#!/usr/bin/env bash
# A soak with a stranger's client: the in-memory server (forecasts on, as shipped), the Python client
# (clients/python) in PROCESSES processes, one replica each, unary batches of 100 events (bench/soak.py).
#   1. 60 s as fast as acknowledgements allow: the measured maximum rate;
#   2. SECONDS (default 600) at 80% of it, against a fresh server, its resident memory sampled every 10 s.
# Then it checks what docs/operations.md promises: every event applied, GetDeployment.events_applied equal to the
# events sent, acknowledgement p99 under 50 ms, memory flat over the second half of the soak (growth under 10%), and
# the GetAccuracy reply bounded by its page. Prints one JSON object per phase and a last line PASS or FAIL.
# usage: bench/soak.sh [SECONDS] [PROCESSES]      needs a Release build and a python3 with grpcio and protobuf.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}; procs=${2:-8}
server=src/TokenSim.Server/bin/Release/net10.0/TokenSim.Server.dll
[ -f "$server" ] || { echo "soak.sh: no $server (dotnet build -c Release first)" >&2; exit 2; }
py=""
for c in python3 /usr/bin/python3; do
  if "$c" -c 'import grpc, google.protobuf' 2>/dev/null; then py=$c; break; fi
done
[ -n "$py" ] || { echo "soak.sh: no python3 with grpcio and protobuf (Debian: apt-get install python3-grpcio python3-protobuf)" >&2; exit 2; }
out=$(mktemp -d)
pid=""
trap 'if [ -n "$pid" ]; then kill $pid 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$out"' EXIT
# SOAK_SERVER_ARGS: more server flags for both phases (e.g. --forecast-niceness 10), unquoted.
start_server() {
  base=$((20000 + RANDOM % 20000))
  dotnet "$server" --grpc-port $base --metrics-port $((base + 1)) --silo-port $((base + 2)) --gateway-port $((base + 3)) \
    ${SOAK_SERVER_ARGS:-} >"$out/server-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$((base + 1))/metrics" >/dev/null && break; sleep 0.2; done
}
stop_server() { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; pid=""; }
rss() { awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status; }

start_server max
"$py" bench/soak.py --server 127.0.0.1:$base --deployment soak-max --processes "$procs" --seconds 60 --rate max \
  --register | tee "$out/max.json"
max=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["events_per_s"])' "$out/max.json")
rate=$("$py" -c "print(round(0.8 * $max))")
# A fresh server for the soak: the first phase's deployment would stay active, and the server's forecast refresh
# would go on forecasting its 8 replicas every 5 s from the traffic they last saw, work the soak's load never asks for.
stop_server
start_server soak

( while kill -0 $pid 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 10; done ) >"$out/rss" &
sampler=$!
# The runtime's own counters, where dotnet-counters is installed: GC pauses beside the acknowledgements' tail.
counters=""
dc=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
if [ -x "$dc" ]; then
  "$dc" collect -p $pid --refresh-interval 1 --format csv -o "$out/counters.csv" --counters System.Runtime >/dev/null 2>&1 &
  counters=$!
fi
"$py" bench/soak.py --server 127.0.0.1:$base --deployment soak --processes "$procs" --seconds "$seconds" --rate "$rate" \
  --register | tee "$out/soak.json"
kill $sampler 2>/dev/null || true
# SIGTERM: a background job of a script ignores SIGINT.
if [ -n "$counters" ]; then kill $counters 2>/dev/null || true; wait $counters 2>/dev/null || true; fi
"$py" - "$out/soak.json" "$out/rss" "$seconds" "$out/counters.csv" <<'PY'
import csv, json, os, sys
s = json.load(open(sys.argv[1]))
samples = [int(l.split()[1]) for l in open(sys.argv[2]) if len(l.split()) == 2]
half = samples[len(samples) // 2:] or samples
growth = (max(half) - half[0]) / half[0] if half else float("nan")
checks = {
    "all applied": s["applied"] == s["sent"],
    "events_applied == sent": s["events_applied"] == s["sent"],
    "ack p99 < 50 ms": s["ack_ms"]["p99"] < 50,
    "rss growth over 2nd half < 10%": growth < 0.10,
    "accuracy page < 4 MB": s["accuracy_reply"]["largest_page_bytes"] < 4 * 1024 * 1024,
}
gc = None
if os.path.exists(sys.argv[4]):
    pauses, gen2 = [], 0
    for row in csv.DictReader(open(sys.argv[4])):
        name, value = row["Counter Name"], float(row["Mean/Increment"] or 0)
        if name.startswith("dotnet.gc.pause.time"): pauses.append(value)
        elif name.startswith("dotnet.gc.collections") and "gen2" in name: gen2 += int(value)
    if pauses:
        gc = {"pause_s": round(sum(pauses), 2), "max_pause_in_1s_ms": round(1000 * max(pauses), 1),
              "time_in_gc": round(sum(pauses) / len(pauses), 4), "gen2_collections": gen2}
print(json.dumps({"rss_mb": {"first": samples[0] if samples else None, "max": max(samples) if samples else None,
                             "second_half_growth": round(growth, 3)}, "gc": gc, "checks": checks}))
print("PASS" if all(checks.values()) else "FAIL " + ", ".join(k for k, v in checks.items() if not v))
PY
