#!/usr/bin/env bash
# PING throughput of recd beside redis-server's, in the same run, on Unix sockets.
# Usage: daemon/bench-ping.sh [seconds per run]   (needs a release build and redis-server/redis-tools)
set -euo pipefail
secs="${1:-10}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/release"
tmp="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

redis-server --port 0 --unixsocket "$tmp/redis.sock" --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
"$bin/recd" --socket "$tmp/recd.sock" --fake-encoder --log-level warning >"$tmp/recd.log" 2>&1 &
for s in redis.sock recd.sock; do for _ in $(seq 100); do [[ -S "$tmp/$s" ]] && break; sleep 0.05; done; done

for c in 1 50; do
  # redis-benchmark takes a request count: size it to about $secs seconds at 150k rps.
  n=$(( secs * 150000 / (c == 1 ? 3 : 1) ))
  redis_rps=$(redis-benchmark -s "$tmp/redis.sock" -t ping_mbulk -c "$c" -n "$n" -q | tr '\r' '\n' | grep -o 'PING_MBULK: [0-9.]*' | tail -1 | awk '{print $2}')
  recd_json=$("$bin/recbench" load --socket "$tmp/recd.sock" --op ping --connections "$c" --duration "$secs" --json 2>/dev/null)
  echo "{\"connections\":$c,\"redis_rps\":$redis_rps,\"recd\":$recd_json}"
done
