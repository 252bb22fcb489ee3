#!/usr/bin/env bash
# How long two silos on Redis membership take to declare a killed one dead: starts a throwaway redis-server and two
# silo processes, kills one (SIGKILL) once both are Active, and polls the membership table until the victim's status
# is Dead (Orleans SiloStatus 6). Prints each repeat and the median.
# usage: bench/failure-detection.sh [REPEATS] [server flags...]   e.g. bench/failure-detection.sh 3 --probe-timeout 1 --missed-probes 2
# Needs a Release build, redis-server and redis-cli on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}; shift || true
server=src/TokenSim.Server/bin/Release/net10.0/TokenSim.Server.dll
times=()
pids=(); redis=""
cleanup() { kill -9 "${pids[@]}" $redis 2>/dev/null || true; }
trap cleanup EXIT
for rep in $(seq 1 "$repeats"); do
  base=$((20000 + RANDOM % 20000)); rport=$((base + 9))
  redis-server --port $rport --bind 127.0.0.1 --save "" --appendonly no >/dev/null & redis=$!
  pids=()
  for i in 1 2; do
    p=$((base + 10 * i))
    dotnet "$server" --role silo --cluster-redis 127.0.0.1:$rport --grpc-port $p --metrics-port $((p + 1)) --silo-port $((p + 2)) --gateway-port $((p + 3)) "$@" >/dev/null 2>&1 & pids+=($!)
  done
  key=$(for _ in $(seq 1 100); do k=$(redis-cli -p $rport --scan --pattern '*members*' | head -n1); [ -n "$k" ] && echo "$k" && break; sleep 0.3; done)
  active() { redis-cli -p $rport hgetall "$key" | grep -c '"Status":3' || true; }
  for _ in $(seq 1 300); do [ "$(active)" -ge 2 ] && break; sleep 0.2; done
  victim=$((base + 12))
  start=$(date +%s.%N)
  kill -9 "${pids[0]}"
  while ! redis-cli -p $rport hgetall "$key" | grep -q "\"127.0.0.1:$victim@[0-9]*\"},\"Status\":6"; do
    sleep 0.05
    if [ "$(echo "$(date +%s.%N) - $start > 120" | bc)" -eq 1 ]; then echo "not declared dead in 120 s" >&2; break; fi
  done
  t=$(echo "$(date +%s.%N) - $start" | bc)
  printf 'repeat %d: declared dead %.2f s after the kill\n' "$rep" "$t"
  times+=("$t")
  kill "${pids[1]}" "$redis" 2>/dev/null || true; wait 2>/dev/null || true
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median of %d: %.2f s\n", NR, (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
