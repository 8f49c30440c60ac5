#!/usr/bin/env bash
# Reliability checks (issue 9): soak, slow clients, disconnects, app faults,
# large uploads, shutdown and reload under load, against the release binary.
#
#   bash tests/reliability/run.sh            # full: 1,000,000 soak requests (about 5 minutes in all)
#   bash tests/reliability/run.sh --quick    # 50,000 soak requests, fewer rounds (about 1.5 minutes)
#   WSGI_SERVER=path/to/wsgi-server bash tests/reliability/run.sh   # another binary
#
# Every check loads 127.0.0.1 only, runs a bounded number of requests or
# rounds, and stops every server it started by the pid it got for it. Each
# prints its measured numbers with PASS/FAIL; this script prints a summary,
# writes tests/reliability/REPORT.md and exits non-zero if any check failed.
#
# Needs the project venv (.venv, made by `bash tests/run.sh`) and wrk (Debian
# package, installed here when missing, as tests/bench/run.sh does).
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../.. && pwd)
MODE=full
ARGS=()
if [ "${1:-}" = "--quick" ]; then MODE=quick; ARGS=(--quick); fi

step() { printf '\n==> %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
    step "installing wrk (Debian)"
    apt-get update -qq && apt-get install -y -qq wrk
fi
PYTHON="$ROOT/.venv/bin/python"
if [ ! -x "$PYTHON" ]; then
    step "creating .venv"
    python3 -m venv "$ROOT/.venv"
fi

if [ -z "${WSGI_SERVER:-}" ]; then
    step "building wsgi-server (release)"
    (cd "$ROOT" && cargo build --release -q -p wsgi-server)
    target_dir=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
        | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    export WSGI_SERVER="$target_dir/release/wsgi-server"
fi
step "using $WSGI_SERVER ($MODE run)"

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
for check in soak slow_clients disconnects faults uploads shutdown; do
    step "$check"
    # Each script stops its own servers on exit and on INT/TERM.
    if ! PYTHONDONTWRITEBYTECODE=1 timeout 1800 "$PYTHON" "$check.py" "${ARGS[@]}" --json "$results/$check.json"; then
        status=1
        [ -s "$results/$check.json" ] || echo "{\"name\": \"$check\", \"crashed\": true}" > "$results/$check.json"
    fi
done

step "summary"
"$PYTHON" report.py --mode "$MODE" --binary "$WSGI_SERVER" --out "$HERE/REPORT.md" \
    "$results"/soak.json "$results"/slow_clients.json "$results"/disconnects.json \
    "$results"/faults.json "$results"/uploads.json "$results"/shutdown.json || status=1
echo "report: tests/reliability/REPORT.md" >&2
exit $status
