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
# "Edit this page" links need the repository's web address, which a clone
# does not always know: BOOK_REPOSITORY_URL names it (for example
# https://github.com/OWNER/wsgi-from-scratch), else an https `origin` remote
# is used, else the book has no edit links (never a made-up address).
repo_url=${BOOK_REPOSITORY_URL:-}
if [ -z "$repo_url" ]; then
    origin=$(git remote get-url origin 2>/dev/null || true)
    case "$origin" in https://*) repo_url=${origin%.git} ;; esac
fi
step "building the book into book/build/"
rm -rf book/build
if [ -n "$repo_url" ]; then
    step "edit links point to $repo_url (branch main)"
    # mdBook reads MDBOOK_a__b_c as the setting a.b-c of book.toml.
    MDBOOK_OUTPUT__HTML__GIT_REPOSITORY_URL="$repo_url" \
    MDBOOK_OUTPUT__HTML__EDIT_URL_TEMPLATE="$repo_url/edit/main/book/{path}" \
        "$MDBOOK" build book
    if ! grep -q -F "$repo_url/edit/main/book/src/introduction.md" book/build/introduction.html; then
        echo "error: the edit link of introduction.html does not point to $repo_url" >&2
        exit 1
    fi
else
    step "no repository address known: no edit links (set BOOK_REPOSITORY_URL to add them)"
    "$MDBOOK" build book
fi

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
