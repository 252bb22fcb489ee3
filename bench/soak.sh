#!/usr/bin/env bash
# A soak with a stranger's client: the in-memory server (forecasts on, as shipped), the Python client
# (clients/python) in PROCESSES processes, one replica each, unary batches of 100 events (bench/soak.py).
#   1. 60 s as fast as acknowledgements allow: the measured maximum rate;
#   2. SECONDS (default 600) at 80% of it, the server's resident memory sampled every 10 s.
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
base=$((20000 + RANDOM % 20000))
out=$(mktemp -d)
dotnet "$server" --grpc-port $base --metrics-port $((base + 1)) --silo-port $((base + 2)) --gateway-port $((base + 3)) \
  >"$out/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$((base + 1))/metrics" >/dev/null && break; sleep 0.2; done
rss() { awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status; }

"$py" bench/soak.py --server 127.0.0.1:$base --deployment soak-max --processes "$procs" --seconds 60 --rate max \
  --register | tee "$out/max.json"
max=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["events_per_s"])' "$out/max.json")
rate=$("$py" -c "print(round(0.8 * $max))")

( while kill -0 $pid 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 10; done ) >"$out/rss" &
sampler=$!
"$py" bench/soak.py --server 127.0.0.1:$base --deployment soak --processes "$procs" --seconds "$seconds" --rate "$rate" \
  --register | tee "$out/soak.json"
kill $sampler 2>/dev/null || true
"$py" - "$out/soak.json" "$out/rss" "$seconds" <<'PY'
import json, sys
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
print(json.dumps({"rss_mb": {"first": samples[0] if samples else None, "max": max(samples) if samples else None,
                             "second_half_growth": round(growth, 3)}, "checks": checks}))
print("PASS" if all(checks.values()) else "FAIL " + ", ".join(k for k, v in checks.items() if not v))
PY
