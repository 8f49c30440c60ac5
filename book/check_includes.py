#!/usr/bin/env python3
"""Check every mdBook include in book/src before the book is built.

mdBook is forgiving in the wrong places: a missing file only logs an error and
the build still exits 0, and an anchor name that is not in the file silently
includes nothing. A book whose listings are pulled from tested code must not
drift like that, so this script fails loudly instead.

For every `{{#include ...}}` and `{{#rustdoc_include ...}}` (and the path of
`{{#playground ...}}`) in a Markdown file under book/src it checks:

- the included file exists (paths are relative to the Markdown file, as mdBook
  resolves them);
- when an anchor is given: a line with `ANCHOR: name` exists in the file, a line
  with `ANCHOR_END: name` follows it, and the lines between them hold some
  text (marker lines of other anchors do not count);
- when a line range is given: it is well formed and starts inside the file.
  Ranges are allowed but discouraged (they drift when the file changes), so
  each one is reported as a warning;
- except for insta snapshots (`*.snap`, program output the tests keep fresh),
  which cannot hold anchors: they must be included as `file.snap:N:` where N
  is exactly the first line after the snapshot's `---` header.

Every local image a page shows (`![alt](path)` or `<img src="path">`) must
exist too.

Any other `{{#name ...}}` directive, or a `{{#` that never closes, is an error
too, because mdBook would leave it in the HTML as it is.

Usage: python3 book/check_includes.py [BOOK_SRC_DIR]   (default: book/src)
Exits 1 with a list of problems, 0 when every include is sound.
Standard library only.
"""

import os
import re
import sys

# The same shape mdBook's links preprocessor looks for. A backslash in front
# (`\{{#include x}}`) escapes the directive; mdBook then prints it literally.
DIRECTIVE = re.compile(r"(\\)?\{\{\s*#([A-Za-z0-9_]+)\s*([^}]*)\}\}")
OPENING = re.compile(r"\{\{\s*#")
# mdBook's anchor markers: `ANCHOR: name` / `ANCHOR_END: name`, in any comment syntax.
ANCHOR_START = re.compile(r"ANCHOR:\s*([\w-]+)")
ANCHOR_END = re.compile(r"ANCHOR_END:\s*([\w-]+)")

# Pictures a page shows: Markdown images and raw <img> tags with a local path.
IMAGE = re.compile(r'!\[[^\]]*\]\(\s*([^)\s]+)|<img\b[^>]*\bsrc="([^"]+)"')

PATH_DIRECTIVES = {"include", "rustdoc_include"}
KNOWN_WITHOUT_CHECK = {"title"}


def parse_target(arg):
    """Split `path[:anchor | :start[:end]]` the way mdBook does.

    Returns (path, kind, detail) where kind is "whole", "anchor" or "range".
    """
    parts = arg.split(":")
    path = parts[0]
    rest = parts[1:]
    if not rest:
        return path, "whole", None
    first = rest[0]
    if len(rest) == 1 and first and not first.isdigit():
        return path, "anchor", first
    # Everything else is a line range: N, N:, :M, N:M.
    if len(rest) > 2 or not all(p == "" or p.isdigit() for p in rest):
        return path, "bad", arg
    start = int(rest[0]) if rest[0] else None
    end = int(rest[1]) if len(rest) > 1 and rest[1] else None
    if len(rest) == 1:
        end = start  # `path:N` is the single line N
    return path, "range", (start, end)


def anchor_body(lines, name):
    """The lines between `ANCHOR: name` and `ANCHOR_END: name`.

    Returns (found_start, found_end, body_lines).
    """
    start = None
    for i, line in enumerate(lines):
        m = ANCHOR_START.search(line)
        if m and m.group(1) == name:
            start = i
            break
    if start is None:
        return False, False, []
    body = []
    for line in lines[start + 1 :]:
        m = ANCHOR_END.search(line)
        if m and m.group(1) == name:
            return True, True, body
        if ANCHOR_START.search(line) or ANCHOR_END.search(line):
            continue  # other anchors' markers are stripped by mdBook
        body.append(line)
    return True, False, body


def snapshot_body_start(lines):
    """The 1-based line where an insta snapshot's body starts, or None."""
    if not lines or lines[0].strip() != "---":
        return None
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return i + 2
    return None


def check_file(md_path, src_root, errors, warnings, counts):
    with open(md_path, encoding="utf-8") as f:
        text = f.read()
    rel_md = os.path.relpath(md_path, src_root)
    matched_spans = []
    for m in DIRECTIVE.finditer(text):
        matched_spans.append(m.start())
        line_no = text.count("\n", 0, m.start()) + 1
        where = f"{rel_md}:{line_no}"
        escaped, name, arg = m.group(1), m.group(2), m.group(3).strip()
        if escaped:
            errors.append(
                f"{where}: escaped directive {m.group(0)!r} would appear in the HTML "
                "as '{{#...'; reword the text instead"
            )
            continue
        if name in KNOWN_WITHOUT_CHECK:
            continue
        if name == "playground":
            arg = arg.split()[0] if arg else ""
        elif name not in PATH_DIRECTIVES:
            errors.append(f"{where}: unknown directive {{{{#{name}}}}}: mdBook would leave it as text")
            continue
        if not arg:
            errors.append(f"{where}: {{{{#{name}}}}} without a path")
            continue
        counts["includes"] += 1
        path, kind, detail = parse_target(arg)
        target = os.path.normpath(os.path.join(os.path.dirname(md_path), path))
        if not os.path.isfile(target):
            errors.append(f"{where}: {path}: no such file")
            continue
        with open(target, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        if kind == "bad":
            errors.append(f"{where}: {arg!r}: neither an anchor name nor a line range")
        elif kind == "whole":
            if not any(line.strip() for line in lines):
                errors.append(f"{where}: {path} is empty")
        elif kind == "anchor":
            found_start, found_end, body = anchor_body(lines, detail)
            if not found_start:
                errors.append(f"{where}: {path}: no 'ANCHOR: {detail}' in the file")
            elif not found_end:
                errors.append(f"{where}: {path}: 'ANCHOR: {detail}' has no 'ANCHOR_END: {detail}' after it")
            elif not any(line.strip() for line in body):
                errors.append(f"{where}: {path}: anchor '{detail}' is empty")
            else:
                counts["anchors"] += 1
        elif kind == "range" and target.endswith(".snap"):
            # An insta snapshot has no room for anchors: its body is shown by
            # starting right after the `---` that closes its header. Checked
            # exactly, so a header that grows is caught instead of shown.
            start, end = detail
            first = snapshot_body_start(lines)
            if first is None:
                errors.append(f"{where}: {path}: not an insta snapshot (no '---' header)")
            elif start != first or end is not None:
                errors.append(
                    f"{where}: {arg}: include a snapshot as '{path}:{first}:' "
                    f"(its body starts on line {first})"
                )
            elif not any(line.strip() for line in lines[first - 1 :]):
                errors.append(f"{where}: {path}: the snapshot is empty")
            else:
                counts["snapshots"] += 1
        elif kind == "range":
            start, end = detail
            warnings.append(f"{where}: {arg}: a line range drifts when the file changes; prefer an anchor")
            if start is not None and start < 1:
                errors.append(f"{where}: {arg}: lines are numbered from 1")
            elif start is not None and start > len(lines):
                errors.append(f"{where}: {arg}: starts past the end of the file ({len(lines)} lines)")
            elif start is not None and end is not None and end < start:
                errors.append(f"{where}: {arg}: the range ends before it starts")
    # Every picture must exist, or the reader sees a broken image.
    for m in IMAGE.finditer(text):
        src = m.group(1) or m.group(2)
        if re.match(r"^[a-z]+:", src) or src.startswith("#"):
            continue
        line_no = text.count("\n", 0, m.start()) + 1
        target = os.path.normpath(os.path.join(os.path.dirname(md_path), src.split("#")[0]))
        counts["images"] += 1
        if not os.path.isfile(target):
            errors.append(f"{rel_md}:{line_no}: image {src}: no such file")
    # A `{{#` that the pattern above did not take (unclosed, or with a `}`
    # inside) would reach the HTML untouched.
    for m in OPENING.finditer(text):
        if not any(start <= m.start() <= start + 2 for start in matched_spans):
            line_no = text.count("\n", 0, m.start()) + 1
            errors.append(f"{rel_md}:{line_no}: '{{{{#' that is not a well-formed directive")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src_root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "src")
    if not os.path.isdir(src_root):
        print(f"check_includes: {src_root} is not a directory", file=sys.stderr)
        return 2
    errors, warnings = [], []
    counts = {"files": 0, "includes": 0, "anchors": 0, "snapshots": 0, "images": 0}
    for dirpath, dirnames, filenames in os.walk(src_root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".md"):
                counts["files"] += 1
                check_file(os.path.join(dirpath, name), src_root, errors, warnings, counts)
    for w in warnings:
        print(f"warning: {w}")
    if errors:
        print(f"check_includes: {len(errors)} problem(s):", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    print(
        f"check_includes: {counts['includes']} include(s) in {counts['files']} page(s) "
        f"are sound ({counts['anchors']} by anchor, {counts['snapshots']} test snapshots); "
        f"{counts['images']} image(s) found"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
