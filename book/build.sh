#!/usr/bin/env bash
# Build the book and prove that no listing went missing.
#
#   bash book/build.sh        (from anywhere; paths are taken from the repo root)
#
# 1. installs the pinned mdBook into .tools/ (skipped when it is already there);
# 2. checks every include in book/src (book/check_includes.py): the file exists,
#    the anchor exists and is not empty;
# 3. builds the book into book/build/;
# 4. fails if any "{{#" survived into the HTML (an include mdBook did not expand).
# Any failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

MDBOOK_VERSION=0.5.4
MDBOOK=.tools/bin/mdbook

step() { printf '==> %s\n' "$*"; }

# ------------------------------------------------------------ 1. mdBook
if [ -x "$MDBOOK" ] && "$MDBOOK" --version 2>/dev/null | grep -qx "mdbook v$MDBOOK_VERSION"; then
    step "mdBook $MDBOOK_VERSION already in .tools/"
else
    step "installing mdBook $MDBOOK_VERSION into .tools/ (a few minutes, once)"
    cargo install mdbook --version "$MDBOOK_VERSION" --locked --root .tools
fi

# ------------------------------------------------------------ 2. includes
step "checking the includes of book/src"
python3 book/check_includes.py book/src

# ------------------------------------------------------------ 3. build
step "building the book into book/build/"
rm -rf book/build
"$MDBOOK" build book

# ------------------------------------------------------------ 4. leftovers
step "looking for unexpanded directives in the HTML"
# mdBook leaves a directive it could not expand in the page as text.
if leftovers=$(grep -rl --include='*.html' -F '{{#' book/build); then
    echo "error: '{{#' left in the built HTML of:" >&2
    echo "$leftovers" | sed 's/^/  /' >&2
    grep -rn --include='*.html' -o -F '{{#' book/build | head -20 >&2 || true
    exit 1
fi
pages=$(find book/build -name '*.html' | wc -l)
step "book built: $pages HTML pages in book/build/ (open book/build/index.html)"
