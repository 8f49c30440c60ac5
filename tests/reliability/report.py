"""Prints the pass/fail summary of a run and writes REPORT.md (called by run.sh)."""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

import common


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", default="full")
    parser.add_argument("--binary", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("results", nargs="+")
    args = parser.parse_args()

    checks = []
    for path in args.results:
        try:
            with open(path) as f:
                checks.append(json.load(f))
        except (OSError, ValueError):
            checks.append({"name": os.path.basename(path).removesuffix(".json"), "crashed": True})

    commit = version(["git", "-C", common.ROOT, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", common.ROOT, "status", "--porcelain", "--", "server"],
                           capture_output=True, text=True).stdout.strip()
    lines = [
        "# Reliability report",
        "",
        "Written by `bash tests/reliability/run.sh"
        + (" --quick" if args.mode == "quick" else "") + "` (issue 9): bounded runs on 127.0.0.1 "
        "against the release binary. Each check lists what it measured, the limit, and PASS/FAIL; "
        "the scripts' docstrings say exactly what each one does.",
        "",
        f"- date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- run: {args.mode}",
        f"- server: {version([args.binary, '--version'])} (release), commit {commit}"
        + (" with uncommitted changes under server/" if dirty else ""),
        f"- Python: {version([os.path.join(common.ROOT, '.venv', 'bin', 'python'), '--version'])}; "
        f"{version(['wrk', '--version'])}",
        f"- machine: {platform.system()} {platform.release()}, {os.cpu_count()} CPUs, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // 2**30} GiB",
        "",
        "| check | result | time |",
        "|---|---|---|",
    ]
    for c in checks:
        verdict = "CRASHED" if c.get("crashed") else ("PASS" if c["passed"] else "FAIL")
        lines.append(f"| {c['name']} | {verdict} | {c.get('seconds', '-')} s |")
    for c in checks:
        lines += ["", f"## {c['name']}", ""]
        if c.get("crashed"):
            lines.append("The script stopped with an error before it wrote its results (see its output).")
            continue
        lines += [c["description"], "", "| measured | value | limit | |", "|---|---|---|---|"]
        for m in c["lines"]:
            value = m["value"].replace("|", "\\|")
            lines.append(f"| {m['what']} | {value} | {m['limit'].replace('|', '/')} | "
                         f"{'PASS' if m['ok'] else '**FAIL**'} |")
        if c["notes"]:
            lines.append("")
            lines += [f"- {n}" for n in c["notes"]]
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)

    print()
    failed = 0
    for c in checks:
        verdict = "CRASHED" if c.get("crashed") else ("PASS" if c["passed"] else "FAIL")
        failed += verdict != "PASS"
        print(f"  {verdict:8} {c['name']}")
    print(f"\n{len(checks) - failed} of {len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
