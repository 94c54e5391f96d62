# Sourced by daemon/overload.sh and daemon/overload-open.sh (not run on its own): the folders, a temporary
# directory removed on exit, one recd started on a socket in it, and small readers of recbench's JSON and
# recd's /proc entries.
#   bin      RECD_BIN_DIR, else the release build (recd and recbench)
#   weights  RECD_WEIGHTS, else the packed model in ~/.cache/recd
# On exit the script's background helpers (`sampler_pid`, `probe_pid`, when set) and recd are stopped.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${RECD_BIN_DIR:-$root/.build/release}"
weights="${RECD_WEIGHTS:-$HOME/.cache/recd/all-MiniLM-L6-v2.recd}"
tmp="$(mktemp -d)"
recd_pid=""; sampler_pid=""; probe_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
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
