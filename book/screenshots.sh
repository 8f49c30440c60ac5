#!/usr/bin/env bash
# Take screenshots of a few pages of the built book, so a person can check how
# it looks (code that overflows, broken pictures, unreadable diagrams).
#
#   bash book/screenshots.sh            # builds the book first if needed
#   bash book/screenshots.sh page.html  # only these pages (paths inside book/build)
#
# Uses Debian's `chromium` in headless mode, installing it with apt-get when it
# is missing. The PNGs go to book/build/screenshots/ (git-ignored with the rest
# of book/build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if ! command -v chromium >/dev/null 2>&1; then
    echo "==> installing chromium (Debian package)"
    if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core fonts-noto-color-emoji >/dev/null
fi

if [ ! -f book/build/index.html ]; then
    bash book/build.sh
fi

if [ "$#" -gt 0 ]; then
    pages=("$@")
else
    # A spread of pages: every diagram, wide code, a snapshot, a table, the glossary.
    pages=(
        introduction.html
        cgi-to-wsgi.html
        three-roles.html
        how-to-use.html
        ch01-hello-tcp.html
        ch04-responses.html
        ch05-threads.html
        ch07-mio-loop.html
        ch08-partial-io.html
        server-architecture.html
        server-connection.html
        server-parsing.html
        deployment.html
        pep3333-checklist.html
        glossary.html
    )
fi

out=book/build/screenshots
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

status=0
for page in "${pages[@]}"; do
    if [ ! -f "book/build/$page" ]; then
        echo "skip: book/build/$page does not exist" >&2
        status=1
        continue
    fi
    name="${page%.html}"
    png="$out/${name//\//_}.png"
    # --virtual-time-budget lets the page's scripts (syntax highlighting,
    # theme) run before the picture is taken.
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --virtual-time-budget=3000 \
        --user-data-dir="$profile" --screenshot="$ROOT/$png" --window-size=1280,1600 \
        "file://$ROOT/book/build/$page" >/dev/null 2>&1 || status=1
    if [ -s "$png" ]; then
        echo "saved $png"
    else
        echo "failed: $page" >&2
        status=1
    fi
done
# Every diagram on its own as well, whole, since some sit below the fold of
# their page (default run only).
if [ "$#" -eq 0 ]; then
    for svg in book/build/images/*.svg; do
        [ -e "$svg" ] || continue
        name=$(basename "$svg" .svg)
        png="$out/diagram-$name.png"
        chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --hide-scrollbars --user-data-dir="$profile" --screenshot="$ROOT/$png" \
            --window-size=920,600 "file://$ROOT/$svg" >/dev/null 2>&1 || status=1
        if [ -s "$png" ]; then echo "saved $png"; else echo "failed: $svg" >&2; status=1; fi
    done
fi
exit $status
