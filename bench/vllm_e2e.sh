#!/usr/bin/env bash
# Issue 9's end-to-end run at length: `tokensim emulate --replicas 2` (A40, Llama-3.1-8B) as production, the twin fed
# only by its gateway, OTLP spans, /metrics scrapes and KV events, streaming chat completions with shared system
# prompts at Poisson arrivals through the gateway. Writes the report (request/span joins, KV sequence accounting, TTFT
# and E2E prediction errors, running/waiting/KV tracking, forecast scores at 10/30/60 s against the naive forecast).
#   bench/vllm_e2e.sh [SECONDS=600] [RATE=3] [REPORT=vllm_e2e.json]
set -euo pipefail
cd "$(dirname "$0")/.."
export TOKENSIM_E2E_SECONDS="${1:-600}" TOKENSIM_E2E_RATE="${2:-3}" TOKENSIM_E2E_REPORT="$(realpath -m "${3:-vllm_e2e.json}")"
export PATH=/usr/bin:$PATH
dotnet build tests/TokenSim.Twin.Tests -c Release -v quiet
dotnet test tests/TokenSim.Twin.Tests -c Release --no-build --filter "FullyQualifiedName~VllmEndToEndTests" --logger "console;verbosity=normal"
echo "report: $TOKENSIM_E2E_REPORT"
