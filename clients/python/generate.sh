#!/usr/bin/env bash
# Regenerates the protobuf and gRPC stubs in src/tokensim_client/v1 from protos/tokensim/v1.
#
# Uses Debian's protoc 3.21 (protobuf-compiler) with Debian's gRPC Python plugin (protobuf-compiler-grpc), not
# `python3 -m grpc_tools.protoc`: Debian's python3-grpc-tools bundles protoc 3.5.1, which refuses proto3 `optional`
# fields (the contract has many) and writes code that protobuf 4's runtime refuses.
#
# protoc writes `from tokensim.v1 import x_pb2`; the imports are rewritten to this package (tokensim_client.v1), so
# the stubs do not claim a top-level `tokensim` package. The descriptors themselves (proto package tokensim.v1,
# file names tokensim/v1/*.proto) are unchanged: the wire names are the server's.
#
# Usage: clients/python/generate.sh [OUT_DIR]   (default: the package's v1 folder; the tests write elsewhere to
# compare with the committed files)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../protos"
out="${1:-$here/src/tokensim_client/v1}"
protoc="${PROTOC:-$(command -v protoc || true)}"
plugin="${GRPC_PYTHON_PLUGIN:-$(command -v grpc_python_plugin || true)}"
[ -n "$protoc" ] || { echo "generate.sh: protoc is not on PATH (Debian: apt-get install protobuf-compiler)" >&2; exit 1; }
[ -n "$plugin" ] || { echo "generate.sh: grpc_python_plugin is not on PATH (Debian: apt-get install protobuf-compiler-grpc)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
( cd "$protos" && "$protoc" -I . --plugin=protoc-gen-grpc_python="$plugin" \
    --python_out="$tmp" --grpc_python_out="$tmp" tokensim/v1/*.proto )
mkdir -p "$out"
for f in "$tmp"/tokensim/v1/*.py; do
  sed -e 's/^from tokensim\.v1 import /from tokensim_client.v1 import /' \
      -e "s/'tokensim\.v1\.\([A-Za-z0-9_]*_pb2\)'/'tokensim_client.v1.\1'/g" "$f" > "$out/$(basename "$f")"
done
