#!/usr/bin/env bash
# Regenerates recd/recd_pb2.py (and its type stub recd_pb2.pyi) from protocol/recd.proto.
#
# Uses the system protoc (Debian's protobuf-compiler, 3.21) when present: its output
# loads with every protobuf runtime from 4.21 on, checked against 7.36.2, the newest
# `pip install protobuf` gave on 2026-11-22, with both the upb and the pure-Python backends.
# Without a system protoc (or with RECD_PROTOC=grpcio-tools) it falls back to the protoc
# bundled in the PyPI package grpcio-tools, installed into a throwaway venv; that output
# needs a runtime at least as new as the protoc in grpcio-tools, so pyproject.toml's
# lower bound on protobuf must then be raised to match.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/recd"
if [[ "${RECD_PROTOC:-}" != "grpcio-tools" ]] && command -v protoc >/dev/null 2>&1; then
  protoc --proto_path="$root/protocol" --python_out="$out" --pyi_out="$out" "$root/protocol/recd.proto"
  echo "generated $out/recd_pb2.py with $(protoc --version)" >&2
else
  venv="$root/.build/protoc-venv"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q grpcio-tools
  "$venv/bin/python" -m grpc_tools.protoc --proto_path="$root/protocol" --python_out="$out" --pyi_out="$out" "$root/protocol/recd.proto"
  echo "generated $out/recd_pb2.py with grpcio-tools' protoc" >&2
fi
