#!/usr/bin/env bash
# Soak: recd (release build, real model, demo catalog and intents) under `recbench load --op mix`,
# open loop at a fraction of its measured capacity, one minute at a time so every minute has its own
# p99 and status counts; VmRSS of recd sampled every 5 s. Writes a Markdown summary.
#
# Capacity is what an open loop sustains, not what a pipelined closed loop reaches: a closed loop with
# 4 in flight per connection keeps the queue full, so the workers batch more texts per encoder call
# than an open loop at the same rate ever queues (daemon/SOAK.md, "Reading the figures"). So: a 20 s
# closed loop with one request in flight per connection gives an upper bound C (and its p99, the
# latency of a server kept busy), then 10 s open-loop probes at 100, 90, 80, … % of C; capacity is the
# first probe answered with no BUSY, within 3 % of its target rate and with a p99 within 2× that
# closed loop's (issue 6's bound for admitted requests; past capacity an open loop's queue grows and
# its p99 with it).
#
# Usage: daemon/soak.sh [minutes=30] [fraction=0.7] [out=daemon/SOAK.md]
# Env: SOAK_NOTE (a sentence on what else ran on the machine), RECD_WEIGHTS (packed model), SOAK_RATE (skip the capacity run and use this rate),
#      SOAK_CONNECTIONS (8), SOAK_RECD_CONFIG (a recd --config file, e.g. {"slow_request_ms": 50}: the summary then
#      counts the slow requests by the stage that dominated them, daemon/DAEMON.md "Slow requests"). Needs `swift build -c release --product recd` and `--product recbench`.
set -euo pipefail
minutes="${1:-30}"
fraction="${2:-0.7}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${3:-$root/daemon/SOAK.md}"
bin="$root/.build/release"
weights="${RECD_WEIGHTS:-$HOME/.cache/recd/all-MiniLM-L6-v2.recd}"
conns="${SOAK_CONNECTIONS:-8}"
tmp="$(mktemp -d)"
recd_pid=""
sampler_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
  [[ -n "$recd_pid" ]] && kill -TERM "$recd_pid" 2>/dev/null && wait "$recd_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin/recd" --socket "$tmp/recd.sock" --model "$weights" --catalog "$root/daemon/demo/catalog.jsonl" \
  --intents "$root/daemon/demo/intents.jsonl" --store "$tmp/store" --cache-dir "$HOME/.cache/recd/soak-cache" \
  ${SOAK_RECD_CONFIG:+--config "$SOAK_RECD_CONFIG"} --log-level warning >"$tmp/recd.log" 2>&1 &
recd_pid=$!
for _ in $(seq 1200); do [[ -S "$tmp/recd.sock" ]] && break; sleep 0.1; done
[[ -S "$tmp/recd.sock" ]] || { echo "recd did not start:"; cat "$tmp/recd.log"; exit 1; }
load() { "$bin/recbench" load --socket "$tmp/recd.sock" --op mix --connections "$conns" "$@" 2>/dev/null; }
field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2 | tr -d '"'; }

if [[ -n "${SOAK_RATE:-}" ]]; then
  rate="$SOAK_RATE"; capacity="(not measured; SOAK_RATE given)"; capacity_text="$capacity"
else
  closed_json=$(load --pipeline 1 --duration 20)
  closed=$(echo "$closed_json" | field rps)
  closed_p99=$(echo "$closed_json" | field p99_ms)
  capacity=""
  probes=""
  for pct in 100 90 80 70 60 50 40 30; do
    target=$(awk -v c="$closed" -v p="$pct" 'BEGIN { printf "%.0f", c * p / 100 }')
    probe=$(load --rate "$target" --duration 10)
    got=$(echo "$probe" | field rps)
    busy=$(echo "$probe" | field busy)
    p99=$(echo "$probe" | field p99_ms)
    probes="$probes ${target}:${got}rps/p99=${p99}ms/busy=${busy}"
    echo "soak: probe $target rps → $got rps, p99 $p99 ms, BUSY $busy" >&2
    if [[ "$busy" == "0" ]] && awk -v g="$got" -v t="$target" -v p="$p99" -v c="$closed_p99" 'BEGIN { exit !(g >= 0.97 * t && p <= 2 * c) }'; then
      capacity="$target"; break
    fi
  done
  capacity_text="$capacity rps"
  if [[ -z "$capacity" ]]; then
    capacity=$(awk -v c="$closed" 'BEGIN { printf "%.0f", c * 0.3 }')
    capacity_text="no probe met both bounds, so the search's floor was used: $capacity rps (30 % of the closed loop's)"
  fi
  rate=$(awk -v c="$capacity" -v f="$fraction" 'BEGIN { printf "%.0f", c * f }')
  export SOAK_CAPACITY_NOTE="closed loop, 1 in flight per connection: $closed rps, p99 $closed_p99 ms; open-loop probes (target:result):$probes"
fi
echo "soak: capacity $capacity rps, rate $rate rps, $minutes min, $conns connections" >&2

( while kill -0 "$recd_pid" 2>/dev/null; do
    echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/$recd_pid/status)"; sleep 5
  done ) >"$tmp/rss.tsv" &
sampler_pid=$!
start=$(date +%s)
: >"$tmp/minutes.jsonl"
for m in $(seq 1 "$minutes"); do
  json=$(load --rate "$rate" --duration 60)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$recd_pid/status)
  echo "{\"minute\":$m,\"rss_kib\":$rss,\"load\":$json}" >>"$tmp/minutes.jsonl"
  echo "minute $m: $(echo "$json" | field rps) rps, p99 $(echo "$json" | field p99_ms) ms, $(echo "$json" | grep -o '"statuses":{[^}]*}'), RSS $((rss / 1024)) MiB" >&2
done
alive=$(kill -0 "$recd_pid" 2>/dev/null && echo yes || echo NO)

python3 - "$tmp/minutes.jsonl" "$tmp/rss.tsv" "$start" "$rate" "$capacity_text" "$conns" "$alive" >"$tmp/summary.md" <<'PY'
import json, os, sys
minutes = [json.loads(l) for l in open(sys.argv[1])]
rss = [tuple(map(int, l.split())) for l in open(sys.argv[2]) if len(l.split()) == 2]
start, rate, capacity, conns, alive = int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
def rss_at(minute):
    t = start + 60 * minute
    return min(rss, key=lambda r: abs(r[0] - t))[1] if rss else 0
statuses = {}
for m in minutes:
    for k, v in m["load"].get("statuses", {}).items(): statuses[k] = statuses.get(k, 0) + v
errors = sum(v for k, v in statuses.items() if k not in ("OK", "BUSY"))
n = len(minutes)
r5, rend = rss_at(min(5, n)), rss_at(n)
drift = (rend - r5) / r5 * 100 if r5 else 0
p99s = [m["load"]["p99_ms"] for m in minutes]
print("# Soak: `recbench load --op mix --rate %s` for %d minutes\n" % (rate, n))
print("Produced by `daemon/soak.sh` (release build, real model, demo catalog and intents, %s connections, open loop; "
      "capacity measured first as the highest open-loop rate answered without BUSY and with p99 within 2× a busy closed loop's: %s)." % (conns, capacity))
if os.environ.get("SOAK_CAPACITY_NOTE"):
    print("Capacity search: %s.\n" % os.environ["SOAK_CAPACITY_NOTE"])
print(os.environ.get("SOAK_NOTE", "Nothing else was running on the machine.") + "\n")
print("| | |\n|---|---|")
print("| replies by status | %s |" % ", ".join("%s %d" % kv for kv in sorted(statuses.items())))
print("| errors other than BUSY | **%d** |" % errors)
print("| recd alive at the end | %s |" % alive)
print("| RSS at minute 5 / minute %d | %.1f MiB / %.1f MiB |" % (n, r5 / 1024, rend / 1024))
print("| RSS drift, minute 5 → %d | **%+.2f %%** (limit ±5 %%) |" % (n, drift))
print("| RSS min / max over the run | %.1f / %.1f MiB |" % (min(r[1] for r in rss) / 1024, max(r[1] for r in rss) / 1024))
print("| p99 per minute: median / max | %.2f / %.2f ms |" % (sorted(p99s)[n // 2], max(p99s)))
print("\n| minute | rps | p50 ms | p99 ms | p99.9 ms | OK p99 ms | statuses | RSS MiB |\n|---|---|---|---|---|---|---|---|")
for m in minutes:
    l = m["load"]
    st = " ".join("%s %d" % kv for kv in sorted(l.get("statuses", {}).items()))
    print("| %d | %s | %s | %s | %s | %s | %s | %.1f |" % (m["minute"], l["rps"], l["p50_ms"], l["p99_ms"], l["p999_ms"],
          l.get("ok_p99_ms", "-"), st, m["rss_kib"] / 1024))
PY
if grep -q "slow request: " "$tmp/recd.log"; then
  grep "slow request: " "$tmp/recd.log" | python3 -c '
import collections, re, sys
by_op = collections.defaultdict(collections.Counter)
for line in sys.stdin:
    m = re.search(r"slow request: (\S+) ([0-9.]+) ms: (.*)", line)
    if not m: continue
    stages = {k: float(v) for k, v in re.findall(r"(decode|queued|run|reply hop|write) ([0-9.]+)", m.group(3))}
    if stages: by_op[m.group(1)][max(stages, key=stages.get)] += 1
print("\nSlow requests (recd slow log, `%s`), by the stage that took most of their time:\n" % open(sys.argv[1]).read().strip())
print("| op | slow requests | dominant stage |\n|---|---|---|")
for op, c in sorted(by_op.items()):
    print("| %s | %d | %s |" % (op, sum(c.values()), ", ".join("%s %d" % kv for kv in c.most_common())))
' "$SOAK_RECD_CONFIG" >>"$tmp/summary.md"
fi
# The explanation after the figures ("## Reading the figures" to the end) is carried over from the file
# being replaced, so a rerun updates the figures and keeps the text.
if [[ -f "$out" ]]; then
  awk '/^## Reading the figures/ { keep = 1 } keep' "$out" >"$tmp/keep.md"
  [[ -s "$tmp/keep.md" ]] && { echo; cat "$tmp/keep.md"; } >>"$tmp/summary.md"
fi
cp "$tmp/summary.md" "$out"
echo "soak: summary in $out" >&2
