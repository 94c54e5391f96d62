#!/usr/bin/env bash
# Runs the Python client's tests against a real recd, in a venv under .build/pyvenv.
#
#   client/python/run-tests.sh [pytest args...]
#
# Needs python3 (with venv) and PyPI. Environment:
#   RECD_BIN        daemon binary (default .build/debug/recd; build it first)
#   RECD_TEST_ARGS  daemon flags (default --fake-encoder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.build/pyvenv"
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [[ ! -x "$venv/bin/python" ]]; then
  mkdir -p "$root/.build"
  python3 -m venv "$venv"
fi
# A regular (not editable) install, so the tests exercise what `pip install` ships.
"$venv/bin/pip" install -q "$here" "pytest>=7"
export RECD_BIN="${RECD_BIN:-$root/.build/debug/recd}"
cd "$here"
# The pytest script, not `python -m pytest`: the latter would put this folder on
# sys.path and test the source tree instead of the installed package.
exec "$venv/bin/pytest" -p no:cacheprovider "$@" tests
