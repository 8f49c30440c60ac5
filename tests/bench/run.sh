#!/usr/bin/env bash
# Benchmark wsgi-server against gunicorn, waitress, granian, bjoern and pyruvate.
#
#   bash tests/bench/run.sh            # full: median of 3 runs of 5 s per cell
#   bash tests/bench/run.sh --quick    # one run of 3 s per cell, to try it
#   bash tests/bench/run.sh --servers wsgi-server,bjoern --scenarios hello,slow
#   bash tests/bench/run.sh --quick --scenarios c1000,idle --output /tmp/r.md
#   (--ours PATH benchmarks another wsgi-server binary than the release build)
#
# Scenarios: hello, hello-close, environ, slow, big, upload, c1000 (wrk -c1000
# plus a probe timing a fresh connection every 250 ms), ceiling (nginx answering
# hello's 13 bytes from its config: what this machine and wrk allow any server)
# and idle (a separate table: each server with one worker, its RSS at rest
# after one request).
#
# It installs what it needs by itself, project-locally: a virtualenv
# tests/bench/.venv with the peers, Debian's wrk and libev-dev (for bjoern) when
# missing, and builds wsgi-server in release. Then tests/bench/bench.py runs
# every server, one at a time, on 127.0.0.1 with wrk -t2 -c64 (-c1000 for
# c1000), prints Markdown tables and writes them to tests/bench/RESULTS.md
# (or --output).
#
# Every server is stopped by the pid we started it with (its process group);
# bench.py does it in a finally block and on INT/TERM, and this script's trap
# forwards INT/TERM to bench.py. Every wrk run has a fixed duration.
set -euo pipefail
cd "$(dirname "$0")"
BENCH=$(pwd)
ROOT=$(cd ../.. && pwd)

step() { printf '\n==> %s\n' "$*" >&2; }

need_apt=()
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
[ -e /usr/include/ev.h ] || need_apt+=(libev-dev)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
if [ ${#need_apt[@]} -gt 0 ]; then
    step "installing ${need_apt[*]} (Debian)"
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" \
        || echo "warning: could not install ${need_apt[*]}" >&2
fi
command -v wrk >/dev/null 2>&1 || { echo "wrk is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
    step "creating tests/bench/.venv"
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
for peer in gunicorn waitress granian bjoern pyruvate; do
    if ! .venv/bin/python -c "import $peer" >/dev/null 2>&1; then
        step "installing $peer"
        .venv/bin/python -m pip install -q "$peer" \
            || echo "warning: $peer failed to install; its rows will say so" >&2
    fi
done

step "building wsgi-server (release)"
(cd "$ROOT" && cargo build --release -q -p wsgi-server)

# c1000 needs over 1000 descriptors in wrk and in each server
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
ulimit -n "$hard" 2>/dev/null || echo "warning: could not raise ulimit -n to $hard" >&2

step "running the benchmark"
.venv/bin/python bench.py "$@" &
bench_pid=$!
trap 'kill -TERM "$bench_pid" 2>/dev/null; wait "$bench_pid"' INT TERM
wait "$bench_pid"
