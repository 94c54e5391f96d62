#!/usr/bin/env bash
# Overload: EMBED flooded far beyond capacity (many connections x deep pipelines, closed loop, so a
# BUSY reply is followed by the next request at once) against an unloaded baseline, with recd's
# VmRSS sampled every 100 ms. Prints one JSON object per phase and a summary line:
#   unloaded p99 (before and after the flood), admitted (OK) p99 under the flood and its ratio to
#   each, BUSY latency, replies by status, RSS idle and peak, and the CPU seconds recd and recbench
#   used during the flood (on a 2-core machine the flooding client competes with the workers).
# Where an admitted request's time goes (`inside`): the pool's queue-wait and batch-run p99 from STATS,
#   taken right after the flood (cumulative since start, so the warm-up and first unloaded phase are in
#   them, but the flood's batches dominate every tail). Admitted p99 minus (queue wait + run) is time
#   outside the pool: the flooding client's pipeline, socket buffers, and the event loop reaching the
#   frame (STATS' per-op latency is no help here: it counts the BUSY replies, answered in µs).
# FLOOD_NICE=N runs the flooding client at that nice level, FLOOD_THREADS=N with that many client
#   threads (default 2): what the admitted latency is when the client takes less of the two cores.
#
# Usage: daemon/overload.sh [seconds=30] [connections=64] [pipeline=32] [-- extra recd flags]
# Needs `swift build -c release --product recd` and `--product recbench` (or RECD_BIN_DIR = a folder
# holding both, e.g. for an A/B against another build); RECD_WEIGHTS = packed model.
set -euo pipefail
secs="${1:-30}"; conns="${2:-64}"; depth="${3:-32}"
shift $(( $# < 3 ? $# : 3 )); [[ "${1:-}" == "--" ]] && shift
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${RECD_BIN_DIR:-$root/.build/release}"
weights="${RECD_WEIGHTS:-$HOME/.cache/recd/all-MiniLM-L6-v2.recd}"
tmp="$(mktemp -d)"
recd_pid=""; sampler_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
  [[ -n "$recd_pid" ]] && kill -TERM "$recd_pid" 2>/dev/null && wait "$recd_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin/recd" --socket "$tmp/recd.sock" --model "$weights" --log-level warning "$@" >"$tmp/recd.log" 2>&1 &
recd_pid=$!
for _ in $(seq 1200); do [[ -S "$tmp/recd.sock" ]] && break; sleep 0.1; done
[[ -S "$tmp/recd.sock" ]] || { echo "recd did not start:"; cat "$tmp/recd.log"; exit 1; }
load() { "$bin/recbench" load --socket "$tmp/recd.sock" --op embed "$@" 2>/dev/null; }
field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2 | tr -d '"'; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$recd_pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$recd_pid/stat"; }   # utime + stime, clock ticks

load --duration 5 >/dev/null                        # warm up: code paths, allocator
idle=$(rss)
base1=$(load --duration "$secs"); echo "{\"phase\":\"unloaded\",\"load\":$base1}"
( peak=0; while kill -0 "$recd_pid" 2>/dev/null; do
    r=$(rss); (( r > peak )) && peak=$r && echo "$peak" >"$tmp/peak"; sleep 0.1
  done ) &
sampler_pid=$!
t0=$(ticks)
flood=$(/usr/bin/time -f "%U %S" -o "$tmp/client-cpu" nice -n "${FLOOD_NICE:-0}" "$bin/recbench" load \
          --socket "$tmp/recd.sock" --op embed --connections "$conns" --pipeline "$depth" --threads "${FLOOD_THREADS:-2}" \
          --duration "$secs" 2>/dev/null)
recd_cpu=$(awk -v a="$t0" -v b="$(ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", (b - a) / hz}')
client_cpu=$(awk '{printf "%.1f", $1 + $2}' "$tmp/client-cpu")
kill "$sampler_pid" 2>/dev/null || true; sampler_pid=""
peak=$(cat "$tmp/peak" 2>/dev/null || echo 0)
echo "{\"phase\":\"flood\",\"connections\":$conns,\"pipeline\":$depth,\"load\":$flood}"
stats=$("$bin/recctl" stats --socket "$tmp/recd.sock" 2>/dev/null || true)
extra() { echo "$stats" | awk -v k="$1:" '$1 == k {print $2; found=1} END {if (!found) print "null"}'; }
inside="{\"queue_wait_p99_ms\":$(extra pool.queue_wait_ms.p99),\"queue_wait_max_ms\":$(extra pool.queue_wait_ms.max),\"batch_run_p99_ms\":$(extra pool.batch_run_ms.p99),\"batch_texts_mean\":$(extra pool.batch_texts.mean)}"
base2=$(load --duration "$secs"); echo "{\"phase\":\"unloaded-after\",\"load\":$base2}"
u1=$(echo "$base1" | field p99_ms); u2=$(echo "$base2" | field p99_ms)
ok=$(echo "$flood" | field ok_p99_ms)
ratio() { awk -v a="$ok" -v b="$1" 'BEGIN{printf "%.2f", a/b}'; }
echo "{\"summary\":true,\"unloaded_p99_ms\":[$u1,$u2],\"admitted_p99_ms\":$ok,\"ratio\":[$(ratio "$u1"),$(ratio "$u2")],\
\"busy_p50_ms\":$(echo "$flood" | field busy_p50_ms),\"busy_p99_ms\":$(echo "$flood" | field busy_p99_ms),\
\"flood_rps\":$(echo "$flood" | field rps),\"inside\":$inside,\"flood_nice\":${FLOOD_NICE:-0},\"flood_threads\":${FLOOD_THREADS:-2},\"flood_cpu_s\":{\"recd\":$recd_cpu,\"recbench\":$client_cpu,\"wall\":$secs},\"rss_idle_mib\":$((idle / 1024)),\"rss_peak_mib\":$((peak / 1024))}"
