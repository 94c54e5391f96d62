# Sourced by daemon/overload.sh and daemon/overload-open.sh (not run on its own): the folders, a temporary
# directory removed on exit, one recd started on a socket in it, and small readers of recbench's JSON and
# recd's /proc entries.
#   bin      RECD_BIN_DIR, else the release build (recd and recbench)
#   weights  RECD_WEIGHTS, else the packed model in ~/.cache/recd
# On exit the script's background helper (`probe_pid`, when set) and recd are stopped.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${RECD_BIN_DIR:-$root/.build/release}"
weights="${RECD_WEIGHTS:-$HOME/.cache/recd/all-MiniLM-L6-v2.recd}"
tmp="$(mktemp -d)"
recd_pid=""; probe_pid=""
cleanup() {
  [[ -n "$probe_pid" ]] && kill "$probe_pid" 2>/dev/null || true
  [[ -n "$recd_pid" ]] && kill -TERM "$recd_pid" 2>/dev/null && wait "$recd_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Starts recd on $tmp/recd.sock with the model and warning-level logs to $tmp/recd.log, plus "$@";
# returns once the socket exists (recd listens once its engines are ready), exits if it never does.
start_recd() {
  "$bin/recd" --socket "$tmp/recd.sock" --model "$weights" --log-level warning "$@" >"$tmp/recd.log" 2>&1 &
  recd_pid=$!
  for _ in $(seq 1200); do [[ -S "$tmp/recd.sock" ]] && break; sleep 0.1; done
  [[ -S "$tmp/recd.sock" ]] || { echo "recd did not start:"; cat "$tmp/recd.log"; exit 1; }
}

# The value of JSON field $1 in the object on stdin (first occurrence, quotes dropped).
field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2 | tr -d '"'; }
# recd's resident memory now (KiB).
rss() { awk '/VmRSS/ {print $2}' "/proc/$recd_pid/status"; }
# Starts a new peak: the kernel's high-water mark of recd's resident memory (VmHWM) is set back to what
# is resident now (`clear_refs` 5). Sampling VmRSS every 100 ms from a shell loop instead forked two
# processes ten times a second on the cores the measured requests run on, and could miss a short peak.
reset_peak() { echo 5 >"/proc/$recd_pid/clear_refs"; }
# The most recd held resident since the last reset_peak (KiB).
peak_rss() { awk '/VmHWM/ {print $2}' "/proc/$recd_pid/status"; }
