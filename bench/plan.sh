#!/usr/bin/env bash
# Capacity-plan speed (issue 8 target: a 200-configuration plan against 10 minutes of 20 req/s in under 60 s on one
# silo of this 2-core machine). Runs examples/plan-llama8b.yaml N times in-process (--offline) and N times on a
# TokenSim.Server with one silo (--server), and prints each wall time, the median, and the search's counts.
# Usage: bench/plan.sh [runs]   (from the repo root; builds Release first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dotnet build src/TokenSim.Cli -c Release -nologo -v q >/dev/null
dotnet build src/TokenSim.Server -c Release -nologo -v q >/dev/null
cli=src/TokenSim.Cli/bin/Release/net10.0/TokenSim.Cli.dll
w=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run() {  # label, plan flags...
  local label=$1; shift
  for i in $(seq 1 "$runs"); do
    /usr/bin/time -f "%e %U %S" -o "$w/t" dotnet "$cli" plan --config examples/plan-llama8b.yaml --json "$w/plan.json" "$@" >/dev/null
    cat "$w/t"
  done > "$w/$label"
  python3 - "$w/$label" "$w/plan.json" "$label" <<'PY'
import json, statistics, sys
rows = [[float(v) for v in x.split()] for x in open(sys.argv[1])]
walls = [r[0] for r in rows]; cpu = [r[1] + r[2] for r in rows]
plan = json.load(open(sys.argv[2])); s = plan["search"]; b = plan["best"]
print(f"{sys.argv[3]}: wall {', '.join(f'{x:.1f}' for x in walls)} s, median {statistics.median(walls):.1f} s; "
      f"CPU (user+sys) of the tokensim process median {statistics.median(cpu):.1f} s; "
      f"{s['considered']} considered, {s['simulated']} simulated, {s['infeasible']} cannot run; "
      f"choice {b['replicas']} x {b['hardware']} TP{b['tp']} {b['scheduler']} at {b['cost_per_hour']:.2f}/h")
PY
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
run offline --offline
grpc=$(free_port); metrics=$(free_port)
dotnet src/TokenSim.Server/bin/Release/net10.0/TokenSim.Server.dll --grpc-port "$grpc" --metrics-port "$metrics" \
  --silo-port "$(free_port)" --gateway-port "$(free_port)" >"$w/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$metrics/metrics" >/dev/null && break; sleep 0.3; done
run server --server "http://127.0.0.1:$grpc"
curl -s "http://127.0.0.1:$metrics/metrics" | grep '^tokensim_plan_simulations_total'
ps -o times= -p "$server_pid" | awk '{print "server process CPU over all its plans: " $1 " s"}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
