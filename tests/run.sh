#!/usr/bin/env bash
# The one command that runs every test of the project on a fresh machine.
#
#   bash tests/run.sh
#
# It installs what the tests need by itself, into the project folder only:
#   - .venv/   a Python virtualenv with python-examples/requirements.txt
#   - .tools/  a pinned mdBook
# then runs the Rust tests of every crate, proves each chapter's exercise, and
# builds and checks the book. Any failure stops the run with a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

# Keep CI within its time budget: property tests run a modest number of cases.
export PROPTEST_CASES="${PROPTEST_CASES:-64}"
# insta must never write snapshots during a test run: a missing one is a failure.
export INSTA_UPDATE=no
export CI="${CI:-true}"

# ---------------------------------------------------------------- system tools
# Real clients the tests talk to the server with (Debian packages).
if ! command -v curl >/dev/null 2>&1; then
    step "installing curl"
    apt-get update -qq && apt-get install -y -qq curl
fi

# nginx, for the reverse-proxy integration test (server/tests/nginx.rs). A
# policy-rc.d that says "no" keeps the package from starting a system nginx.
if [ ! -x /usr/sbin/nginx ]; then
    step "installing nginx"
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get update -qq && apt-get install -y -qq nginx-light
    rm -f /usr/sbin/policy-rc.d
fi

# ---------------------------------------------------------------- Python venv
if [ -f python-examples/requirements.txt ]; then
    step "Python virtualenv (.venv)"
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    stamp=.venv/.requirements.sha
    want=$(sha256sum python-examples/requirements.txt | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -r python-examples/requirements.txt
        echo "$want" > "$stamp"
    fi
    export VIRTUAL_ENV="$ROOT/.venv"
    export PATH="$ROOT/.venv/bin:$PATH"
fi

# ---------------------------------------------------------------- Rust tests
# Build every binary and example first: the end-to-end tests in tests/ drive
# the real `wsgi-server` binary the way a user runs it.
step "cargo build (every binary and example)"
cargo build --workspace --bins --examples --locked

step "cargo test (every crate, reference mode)"
cargo test --workspace --locked

# The fuzz crate lives outside the workspace (cargo fuzz wants its own); this
# keeps it compiling as the server changes. Running it: server/fuzz/README.md.
step "fuzz targets still compile (server/fuzz, outside the workspace)"
cargo check --manifest-path server/fuzz/Cargo.toml --locked --bins

# ---------------------------------------------------------------- Python tests
step "example apps under wsgiref.validate (Python unittest)"
.venv/bin/python -m unittest discover -s tests/python

step "framework: pip install ./framework (maturin) and its Python tests"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r framework/requirements-dev.txt
# Rebuild the extension only when the framework's sources changed (it is a
# release build of a Rust crate: half a minute on two cores).
framework_hash=$(cat Cargo.lock framework/Cargo.toml framework/pyproject.toml \
    $(find framework/src framework/python -type f | sort) | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.framework.sha 2>/dev/null)" != "$framework_hash" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check ./framework
    echo "$framework_hash" > .venv/.framework.sha
fi
.venv/bin/python -m unittest discover -s framework/tests

# ---------------------------------------------------------------- the course
# For every chapter: the reference passes its tests, and the untouched
# exercise starter compiles but fails them (so the exercise really checks).
step "course: reference passes, every exercise starter fails"
cargo run --quiet --locked -p course -- verify

# ---------------------------------------------------------------- the book
# Installs the pinned mdBook, checks every include (file, anchor, non-empty),
# builds the book, and fails on any directive left unexpanded in the HTML.
step "book: edit links (with a stand-in repository address)"
BOOK_REPOSITORY_URL=https://example.org/wsgi-from-scratch bash book/build.sh >/dev/null
step "book: includes checked, mdbook build"
bash book/build.sh

step "all tests passed"
