#!/usr/bin/env bash
# PING throughput of recd beside redis-server's, in the same run, on Unix sockets.
# Usage: daemon/bench-ping.sh [seconds per run]   (needs a release build and redis-server/redis-tools)
#        RECD_BIN=DIR daemon/bench-ping.sh ...   takes recd and recbench from DIR (an A/B against another build)
#        RECBENCH=FILE daemon/bench-ping.sh ...   takes the client from FILE instead (the same client for both
#        builds of an A/B, so a difference is the server's); RECBENCH_ARGS="--client nio" passes extra
#        arguments to it (e.g. to compare its clients)
# Besides rps it prints each server's CPU time per request (user+sys from /proc) and each client's
# (redis-benchmark's, recbench's: user+sys of the process), which are far less sensitive than rps to
# other load on a shared machine. At one connection rps is a ping-pong: client + server + two wake-ups.
#        PING_PIN=split|same daemon/bench-ping.sh ...   pins both servers to CPU 0 and both clients to
#        CPU 1 (split) or everything to CPU 0 (same), with taskset. Unpinned, the scheduler decides per
#        run whether a one-connection ping-pong crosses CPUs (on this VM a cross-CPU wake-up costs
#        several µs), which moved the same binary's figure between 31k and 77k rps; pinning holds both
#        pairs to the same placement so their ratio means something.
set -euo pipefail
secs="${1:-10}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${RECD_BIN:-$root/.build/release}"
recbench="${RECBENCH:-$bin/recbench}"
tmp="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
tck=$(getconf CLK_TCK)
case "${PING_PIN:-}" in
  split) srv=(taskset -c 0); cli=(taskset -c 1) ;;
  same)  srv=(taskset -c 0); cli=(taskset -c 0) ;;
  "")    srv=(); cli=() ;;
  *) echo "PING_PIN must be split or same; found ${PING_PIN}" >&2; exit 2 ;;
esac

"${srv[@]}" redis-server --port 0 --unixsocket "$tmp/redis.sock" --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
redis_pid=$!
"${srv[@]}" "$bin/recd" --socket "$tmp/recd.sock" --fake-encoder --log-level warning >"$tmp/recd.log" 2>&1 &
recd_pid=$!
for s in redis.sock recd.sock; do for _ in $(seq 100); do [[ -S "$tmp/$s" ]] && break; sleep 0.05; done; done

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU seconds of the last client run (/usr/bin/time -o "$tmp/time") per request, in µs.
client_per_req() { awk -v n="$1" '{ printf "%.2f", (n > 0) ? ($1 + $2) * 1e6 / n : 0 }' "$tmp/time"; }
per_req() { awk -v t="$1" -v n="$2" -v hz="$tck" 'BEGIN { printf "%.2f", (n > 0) ? t * 1e6 / hz / n : 0 }'; }

for c in 1 50; do
  # redis-benchmark takes a request count: size it to about $secs seconds.
  n=$(( secs * (c == 1 ? 50000 : 100000) ))
  t0=$(cpu $redis_pid)
  /usr/bin/time -o "$tmp/time" -f '%U %S' "${cli[@]}" redis-benchmark -s "$tmp/redis.sock" -t ping_mbulk -c "$c" -n "$n" -q >"$tmp/out"
  redis_rps=$(tr '\r' '\n' <"$tmp/out" | grep -o 'PING_MBULK: [0-9.]*' | tail -1 | awk '{print $2}')
  redis_cpu=$(per_req $(( $(cpu $redis_pid) - t0 )) "$n")
  redis_client=$(client_per_req "$n")
  t0=$(cpu $recd_pid)
  recd_json=$(/usr/bin/time -o "$tmp/time" -f '%U %S' "${cli[@]}" "$recbench" load --socket "$tmp/recd.sock" --op ping --connections "$c" --duration "$secs" ${RECBENCH_ARGS:-} --json 2>/dev/null)
  recd_n=$(echo "$recd_json" | grep -o '"requests":[0-9]*' | cut -d: -f2)
  recd_cpu=$(per_req $(( $(cpu $recd_pid) - t0 )) "$recd_n")
  recd_client=$(client_per_req "$recd_n")
  echo "{\"connections\":$c,\"redis_rps\":$redis_rps,\"redis_cpu_us_per_req\":$redis_cpu,\"redis_client_cpu_us_per_req\":$redis_client,\"recd_cpu_us_per_req\":$recd_cpu,\"recbench_cpu_us_per_req\":$recd_client,\"recd\":$recd_json}"
done
