#!/usr/bin/env bash
# Overload: EMBED flooded far beyond capacity (many connections x deep pipelines, closed loop, so a
# BUSY reply is followed by the next request at once) against an unloaded baseline, with recd's peak
# resident memory over the flood (the kernel's VmHWM, reset as the flood starts). Prints one JSON object
# per phase and a summary line:
#   unloaded p99 (before and after the flood), admitted (OK) p99 under the flood and its ratio to
#   each, BUSY latency, replies by status, RSS idle and peak, and the CPU seconds recd and recbench
#   used during the flood (on a 2-core machine the flooding client competes with the workers).
# Where an admitted request's time goes (`inside`): the pool's queue-wait and batch-run p99 from STATS,
#   taken right after the flood (cumulative since start, so the warm-up and first unloaded phase are in
#   them, but the flood's batches dominate every tail; the bulk lane's wait is the flood's alone, the light
#   lane's longest wait shows whether flood requests ran there). Admitted p99 minus (queue wait + run) is time
#   outside the pool: the flooding client's pipeline, socket buffers, and the event loop reaching the
#   frame (STATS' per-op latency is no help here: it counts the BUSY replies, answered in µs).
# FLOOD_NICE=N runs the flooding client at that nice level, FLOOD_THREADS=N with that many client
#   threads (default 2): what the admitted latency is when the client takes less of the two cores.
# What a real caller feels (`probe`): a separate client on its own connection, open loop at PROBE_RATE
#   requests/s (default 50; 0 = no probe), runs alone first (`probe-alone`: its unloaded p99) and then
#   during the flood, from 1 s after the flood starts to 1 s before it ends; the summary gives its OK p99,
#   its BUSY share and its p99 over the unloaded ones. The flood's own admitted requests wait behind their
#   own 2,048-deep pipelines; the probe does not.
# Where recd's CPU goes (`threads`): each recd thread group's CPU seconds during the flood and its
#   run-queue wait (runnable but not running, /proc/PID/task/*/schedstat's 2nd field), by thread name
#   without its number (NIO-ELT: the event loop; recd-worker: the model workers). `busy_per_s` is the
#   flood's BUSY replies per second, `busy_pauses` how often recd paused a connection's reads after a
#   BUSY (`busy_backoff_ms`, STATS `connections.busy_pauses`; null on builds without it).
# SLOW_MS=N starts recd with `slow_request_ms: N` and summarises the slow log of the flood phase
#   (`slow`: requests over N ms in recd, frame read → reply written, with the p50 / p99 of each stage:
#   an EMBED's `queued` is handed to the pool → its batch started, `run` that batch → its reply ready). The
#   probe's p99 minus what recd saw is outside recd: socket buffers and the event loop reaching the frame.
#   Off by default: with admission off, nearly every admitted flood request is logged.
#
# Usage: daemon/overload.sh [seconds=30] [connections=64] [pipeline=32] [-- extra recd flags]
# Needs `swift build -c release --product recd` and `--product recbench` (or RECD_BIN_DIR = a folder
# holding both, e.g. for an A/B against another build); RECD_WEIGHTS = packed model.
set -euo pipefail
secs="${1:-30}"; conns="${2:-64}"; depth="${3:-32}"
shift $(( $# < 3 ? $# : 3 )); [[ "${1:-}" == "--" ]] && shift
source "$(dirname "$0")/bench-lib.sh"

config=()
if [[ -n "${SLOW_MS:-}" ]]; then
  echo "{\"slow_request_ms\": $SLOW_MS}" >"$tmp/recd.json"; config=(--config "$tmp/recd.json")
fi
start_recd "${config[@]}" "$@"
load() { "$bin/recbench" load --socket "$tmp/recd.sock" --op embed "$@" 2>/dev/null; }
ticks() { awk '{print $14 + $15}' "/proc/$recd_pid/stat"; }   # utime + stime, clock ticks
# One line per recd thread: tid, name without its trailing number, CPU ticks, run-queue wait (ns).
tasks() {
  for t in /proc/"$recd_pid"/task/*; do
    local st sq; st=$(cat "$t/stat" 2>/dev/null) || continue; sq=$(cat "$t/schedstat" 2>/dev/null) || continue
    local name="${st#*(}"; name="${name%%)*}"; local rest="${st##*) }"
    echo "${t##*/} $(echo "$name" | sed 's/[-#0-9]*$//') $(echo "$rest" | awk '{print $12 + $13}') $(echo "$sq" | awk '{print $2}')"
  done
}

load --duration 5 >/dev/null                        # warm up: code paths, allocator
idle=$(rss)
base1=$(load --duration "$secs"); echo "{\"phase\":\"unloaded\",\"load\":$base1}"
rate="${PROBE_RATE:-50}"
probe_secs=$(awk -v s="$secs" 'BEGIN{print (s > 3 ? s - 2 : 1)}')
if [[ "$rate" != 0 ]]; then
  alone=$(load --connections 1 --rate "$rate" --duration "$probe_secs"); echo "{\"phase\":\"probe-alone\",\"load\":$alone}"
fi
log_mark=$(wc -l <"$tmp/recd.log")
reset_peak
t0=$(ticks); tasks >"$tmp/tasks0"
if [[ "$rate" != 0 ]]; then
  ( sleep 1; load --connections 1 --rate "$rate" --duration "$probe_secs" >"$tmp/probe" ) &
  probe_pid=$!
fi
flood=$(/usr/bin/time -f "%U %S" -o "$tmp/client-cpu" nice -n "${FLOOD_NICE:-0}" "$bin/recbench" load \
          --socket "$tmp/recd.sock" --op embed --connections "$conns" --pipeline "$depth" --threads "${FLOOD_THREADS:-2}" \
          --duration "$secs" 2>/dev/null)
recd_cpu=$(awk -v a="$t0" -v b="$(ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", (b - a) / hz}')
tasks >"$tmp/tasks1"
threads=$(awk -v hz="$(getconf CLK_TCK)" 'NR == FNR {c[$1] = $3; w[$1] = $4; next}
  {g[$2] = 1; cpu[$2] += $3 - c[$1]; wait[$2] += $4 - w[$1]}
  END {printf "{"; n = 0; for (k in g) {printf "%s\"%s\":{\"cpu_s\":%.2f,\"runq_wait_s\":%.2f}", (n++ ? "," : ""), k, cpu[k] / hz, wait[k] / 1e9}; printf "}"}' \
  "$tmp/tasks0" "$tmp/tasks1")
client_cpu=$(awk '{printf "%.1f", $1 + $2}' "$tmp/client-cpu")
[[ -n "$probe_pid" ]] && { wait "$probe_pid" || true; probe_pid=""; }
peak=$(peak_rss)
echo "{\"phase\":\"flood\",\"connections\":$conns,\"pipeline\":$depth,\"load\":$flood}"
recctl="$bin/recctl"; [[ -x "$recctl" ]] || recctl="$root/.build/release/recctl"   # a RECD_BIN_DIR may hold only recd and recbench
stats=$("$recctl" stats --socket "$tmp/recd.sock" 2>/dev/null || true)
extra() { echo "$stats" | awk -v k="$1:" '$1 == k {print $2; found=1} END {if (!found) print "null"}'; }
inside="{\"busy_pauses\":$(extra connections.busy_pauses),\"queue_wait_p99_ms\":$(extra pool.queue_wait_ms.p99),\"queue_wait_max_ms\":$(extra pool.queue_wait_ms.max),\"batch_run_p99_ms\":$(extra pool.batch_run_ms.p99),\"batch_texts_mean\":$(extra pool.batch_texts.mean),\"bulk_queue_wait_p50_ms\":$(extra pool.bulk_queue_wait_ms.p50),\"bulk_queue_wait_p99_ms\":$(extra pool.bulk_queue_wait_ms.p99),\"light_queue_wait_max_ms\":$(extra pool.light_queue_wait_ms.max),\"admission_limit_ms\":\"$(extra pool.admission_limit_ms)\",\"standing\":\"$(extra pool.admission_standing)\"}"
# The flood's slow-log lines: count, and p50 / p99 of the total and of each stage (ms).
slow=null
if [[ -n "${SLOW_MS:-}" ]]; then
  tail -n +"$((log_mark + 1))" "$tmp/recd.log" | grep 'slow request: EMBED' | sed 's/.*slow request: EMBED //' | awk '
    { total = $1 + 0; q = h = w = d = r = "x"
      for (f = 4; f <= NF; f++) { g = $f; gsub(/,/, "", g)
        if ($(f-1) == "queued") q = g; if ($(f-1) == "hop") h = g; if ($(f-1) == "write") w = g; if ($(f-1) == "decode") d = g
        if ($(f-1) == "run") r = g }
      print total, q, h, w, d, r }' >"$tmp/slow"
  # p50 and p99 of column $1 of the slow lines (ms; null when none).
  pcts() { awk -v c="$1" '$c != "x" {print $c}' "$tmp/slow" | sort -g | awk '{v[NR] = $1}
    END {if (NR == 0) {printf "[null,null]"} else {printf "[%s,%s]", v[int(0.5 * (NR - 1)) + 1], v[int(0.99 * (NR - 1)) + 1]}}'; }
  slow="{\"threshold_ms\":$SLOW_MS,\"count\":$(wc -l <"$tmp/slow"),\"total_ms\":$(pcts 1),\"queued_ms\":$(pcts 2),\"reply_hop_ms\":$(pcts 3),\"write_ms\":$(pcts 4),\"decode_ms\":$(pcts 5),\"run_ms\":$(pcts 6)}"
fi
base2=$(load --duration "$secs"); echo "{\"phase\":\"unloaded-after\",\"load\":$base2}"
u1=$(echo "$base1" | field p99_ms); u2=$(echo "$base2" | field p99_ms)
ok=$(echo "$flood" | field ok_p99_ms)
ratio() { awk -v a="${2:-$ok}" -v b="$1" 'BEGIN{printf "%.2f", (b > 0 ? a/b : 0)}'; }
probe=null
if [[ "$rate" != 0 ]]; then
  p=$(cat "$tmp/probe" 2>/dev/null || echo '{}'); echo "{\"phase\":\"probe-during-flood\",\"load\":$p}"
  pa=$(echo "$alone" | field p99_ms); pok=$(echo "$p" | field ok_p99_ms); pok=${pok:-null}
  preq=$(echo "$p" | field requests); pbusy=$(echo "$p" | field busy)
  share=$(awk -v b="${pbusy:-0}" -v r="${preq:-0}" 'BEGIN{printf "%.3f", (r > 0 ? b/r : 0)}')
  probe="{\"rate\":$rate,\"alone_p99_ms\":$pa,\"ok_p50_ms\":$(v=$(echo "$p" | field ok_p50_ms); echo "${v:-null}"),\"ok_p99_ms\":$pok,\"busy_share\":$share,\"requests\":${preq:-0},\"ratio_to_alone\":$(ratio "$pa" "$pok"),\"ratio_to_unloaded\":[$(ratio "$u1" "$pok"),$(ratio "$u2" "$pok")]}"
fi
echo "{\"summary\":true,\"unloaded_p99_ms\":[$u1,$u2],\"admitted_p99_ms\":$ok,\"ratio\":[$(ratio "$u1"),$(ratio "$u2")],\
\"busy_p50_ms\":$(echo "$flood" | field busy_p50_ms),\"busy_p99_ms\":$(echo "$flood" | field busy_p99_ms),\
\"flood_rps\":$(echo "$flood" | field rps),\"busy_per_s\":$(awk -v b="$(echo "$flood" | field busy)" -v s="$secs" 'BEGIN{printf "%.0f", b / s}'),\"threads\":$threads,\"probe\":$probe,\"inside\":$inside,\"slow\":$slow,\"flood_nice\":${FLOOD_NICE:-0},\"flood_threads\":${FLOOD_THREADS:-2},\"flood_cpu_s\":{\"recd\":$recd_cpu,\"recbench\":$client_cpu,\"wall\":$secs},\"rss_idle_mib\":$((idle / 1024)),\"rss_peak_mib\":$((peak / 1024))}"
