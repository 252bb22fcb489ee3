#!/usr/bin/env bash
# bench/ingest against a cluster on this machine: a client-only front end and SILOS silo processes meeting in a
# throwaway redis-server (membership only; grain storage in silo memory unless --redis is passed through EXTRA).
# usage: bench/cluster-ingest.sh SILOS [bench/ingest flags...]     e.g. bench/cluster-ingest.sh 2 --concurrency 8
# SILOS=0 runs the embedded default (one process, --role both) instead. EXTRA: more flags for the silos (and the
# embedded server), FRONTEND_EXTRA for the front end, e.g. EXTRA="--response-timeout 120" FRONTEND_EXTRA="--response-timeout 120". Needs a Release build and redis-server on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
silos=${1:?number of silos (0: the embedded default)}; shift
server=src/TokenSim.Server/bin/Release/net10.0/TokenSim.Server.dll
bench=bench/ingest/bin/Release/net10.0/TokenSim.Bench.Ingest.dll
base=$((20000 + RANDOM % 20000))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_http() { for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/metrics" >/dev/null && return 0; sleep 0.2; done; echo "port $1 never answered" >&2; exit 1; }
if [ "$silos" -eq 0 ]; then
  dotnet "$server" --grpc-port $base --metrics-port $((base + 1)) --silo-port $((base + 2)) --gateway-port $((base + 3)) ${EXTRA:-} >/dev/null 2>&1 & pids+=($!)
  wait_http $((base + 1))
else
  redis-server --port $((base + 9)) --bind 127.0.0.1 --save "" --appendonly no >/dev/null & pids+=($!)
  cluster=(--cluster-redis 127.0.0.1:$((base + 9)))
  for i in $(seq 1 "$silos"); do
    p=$((base + 10 * i))
    dotnet "$server" --role silo "${cluster[@]}" --grpc-port $p --metrics-port $((p + 1)) --silo-port $((p + 2)) --gateway-port $((p + 3)) ${EXTRA:-} >/dev/null 2>&1 & pids+=($!)
  done
  for i in $(seq 1 "$silos"); do wait_http $((base + 10 * i + 1)); done
  dotnet "$server" --role frontend "${cluster[@]}" --grpc-port $base --metrics-port $((base + 1)) ${FRONTEND_EXTRA:-} >/dev/null 2>&1 & pids+=($!)
  wait_http $((base + 1))
fi
dotnet "$bench" --server "http://127.0.0.1:$base" "$@"
