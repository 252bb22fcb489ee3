#!/usr/bin/env bash
# Whole-process speed and memory of `tokensim simulate` (issue: core simulator targets).
#   1. Vidur's 50,000-request workload on 4 replicas of Llama-2-7B / A100-80G, median of 5 runs
#      (Vidur took 122.06 s and 2.4 GB on a 2-core machine; data/reference/vidur-runs/TABLE.md).
#   2. 100,000 and 1,000,000 Poisson requests on 16 replicas: wall time and peak RSS, to show memory stays flat.
#   3. a 1,000,000-line trace file under a 96 MiB heap limit: it is streamed, so it must finish (target: peak RSS
#      near the 100,000-line file's, about 85 MiB; before streaming it took 333 MiB and died out of memory).
# Usage: bench/speed.sh [runs]   (from the repo root; builds Release first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dotnet build src/TokenSim.Cli -c Release -nologo -v q >/dev/null
cli=src/TokenSim.Cli/bin/Release/net10.0/TokenSim.Cli.dll
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
zcat data/reference/vidur-runs/workloads/workload_50000req_qps8_seed42_convx3.csv.gz | cut -d, -f2- > "$w/w50k.csv"

measure() { /usr/bin/time -f "%e %M" -o "$w/t" dotnet "$cli" simulate "$@" --json "$w/out.json" >/dev/null; cat "$w/t"; }

echo "50,000 requests, 4 replicas (Vidur: 122.06 s, 2419.9 MiB)"
for i in $(seq 1 "$runs"); do measure --model llama-2-7b --hardware a100-80g --replicas 4 --workload "$w/w50k.csv"; done > "$w/v"
sort -n "$w/v" | awk -v n="$runs" '{w[NR]=$1; if ($2>m) m=$2} END {med=w[int((n+1)/2)]; printf "  wall median %.2f s (min %.2f, max %.2f), peak RSS %.0f MiB, %.0fx faster than Vidur\n", med, w[1], w[n], m/1024, 122.06/med}'

for n in 100000 1000000; do
  read -r wall rss < <(measure --model llama-2-7b --hardware a100-80g --replicas 16 --workload "poisson:rate=30,n=$n")
  echo "$n requests, 16 replicas: wall $wall s, peak RSS $((rss / 1024)) MiB"
done

awk 'BEGIN{srand(7); print "arrived_at,num_prefill_tokens,num_decode_tokens"; t=0; for(i=0;i<1000000;i++){t+=-log(1-rand())/30; printf "%.6f,%d,%d\n", t, 50+int(rand()*1500), 10+int(rand()*400)}}' > "$w/w1m.csv"
head -100001 "$w/w1m.csv" > "$w/w100k.csv"
for f in w100k w1m; do
  read -r wall rss < <(export DOTNET_GCHeapHardLimit=0x6000000; measure --model llama-2-7b --hardware a100-80g --replicas 16 --workload "$w/$f.csv")
  echo "$f.csv trace file, 16 replicas, 96 MiB heap limit: wall $wall s, peak RSS $((rss / 1024)) MiB"
done
