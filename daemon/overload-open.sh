#!/usr/bin/env bash
# Open-loop overload: callers that send at their own rate whatever recd answers (recbench load --rate), at
# about twice what recd can serve, against the same daemon unloaded. #6 asks that the admitted requests'
# latency stay within 2x of the unloaded p99, that the refused ones get fast BUSY answers and that RSS stays
# bounded. Phases, each printed as one JSON object, then a summary line:
#   warm-up      1 connection, closed loop, 3 s (code paths, allocator, the pool's cost estimates)
#   unloaded     1 connection, closed loop, 5 s: the unloaded p99 the summary's `ratio` divides by
#   unloaded-open  the flood's connections, open loop at LOW_RATE (default 100/s), 5 s: the same traffic
#                shape unloaded (each request arrives at an idle daemon, so it pays the wake-ups a closed
#                loop avoids); the summary's `ratio_open` divides by its p99
#   flood        CONNS connections (default 16), open loop at RATE for SECONDS; recd's peak RSS over it
#                is the kernel's VmHWM, reset as the flood starts
# CONFIG='{"workers": 1, ...}' starts recd with that config file; extra recd flags go after `--`.
# The latency-first configuration on a 2-CPU machine (daemon/DAEMON.md, "Session 20" and "Session 21"):
#   CONFIG='{"workers": 1, "max_batch_ms": 2, "max_bulk_batch_ms": 2, "max_queue_delay_ms": 0.5, "worker_cpus": [1]}'
#
# Usage: daemon/overload-open.sh [rate=3000] [seconds=10] [connections=16] [-- extra recd flags]
# Needs `swift build -c release` (recd, recbench; or RECD_BIN_DIR = a folder holding both) and
# RECD_WEIGHTS = the packed model (default ~/.cache/recd/all-MiniLM-L6-v2.recd).
set -euo pipefail
rate="${1:-3000}"; secs="${2:-10}"; conns="${3:-16}"
shift $(( $# < 3 ? $# : 3 )); [[ "${1:-}" == "--" ]] && shift
source "$(dirname "$0")/bench-lib.sh"

config=()
if [[ -n "${CONFIG:-}" ]]; then echo "$CONFIG" >"$tmp/recd.json"; config=(--config "$tmp/recd.json"); fi
start_recd --store "$tmp/store" --cache-dir "$tmp/cache" "${config[@]}" "$@"
load() { "$bin/recbench" load --socket "$tmp/recd.sock" --op embed --json "$@" 2>/dev/null; }

load --connections 1 --duration 3 >/dev/null
idle=$(rss)
base=$(load --connections 1 --duration 5); echo "{\"phase\":\"unloaded\",\"load\":$base}"
open=$(load --connections "$conns" --rate "${LOW_RATE:-100}" --duration 5); echo "{\"phase\":\"unloaded-open\",\"load\":$open}"
reset_peak
flood=$(load --connections "$conns" --rate "$rate" --duration "$secs"); echo "{\"phase\":\"flood\",\"load\":$flood}"
peak=$(peak_rss)

u=$(echo "$base" | field p99_ms); uo=$(echo "$open" | field p99_ms); ok=$(echo "$flood" | field ok_p99_ms)
requests=$(echo "$flood" | field requests); busy=$(echo "$flood" | field busy)
ratio() { awk -v a="$ok" -v b="$1" 'BEGIN{printf "%.2f", (b > 0 ? a/b : 0)}'; }
echo "{\"summary\":true,\"config\":${CONFIG:-"{}"},\"rate\":$rate,\"connections\":$conns,\"seconds\":$secs,\
\"unloaded_p99_ms\":$u,\"unloaded_open_p99_ms\":$uo,\"admitted\":$((requests - busy)),\"busy\":$busy,\
\"errors\":$(echo "$flood" | field errors),\"admitted_p50_ms\":$(echo "$flood" | field ok_p50_ms),\"admitted_p99_ms\":$ok,\
\"ratio\":$(ratio "$u"),\"ratio_open\":$(ratio "$uo"),\"busy_p50_ms\":$(echo "$flood" | field busy_p50_ms),\
\"busy_p99_ms\":$(echo "$flood" | field busy_p99_ms),\"rss_idle_mib\":$((idle / 1024)),\"rss_peak_mib\":$((peak / 1024))}"
