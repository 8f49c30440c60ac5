"""Runs every server on every scenario with wrk and prints one Markdown table.

Called by run.sh (which installs the tools first); see run.sh for the options.
Every server is started in its own session and stopped by the pid we got for it
(its process group), in a finally block and on SIGINT/SIGTERM, so nothing outlives
the run.
"""
import argparse
import datetime
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV_BIN = os.path.join(HERE, ".venv", "bin")
OURS = os.path.join(ROOT, "target", "release", "wsgi-server")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

# --------------------------------------------------------------------- servers
# name -> (settings shown in the table, argv for (app, port), module that must import)
PYTHON = os.path.join(VENV_BIN, "python")
SERVERS = {
    "wsgi-server": ("--workers 2 --threads 16",
                    lambda app, port: [OURS, app, "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                       "--threads", "16", "--log-level", "warn"], None),
    "gunicorn": ("-w 2 --threads 4 -k gthread",
                 lambda app, port: [os.path.join(VENV_BIN, "gunicorn"), "-w", "2", "--threads", "4",
                                    "-k", "gthread", "-b", f"127.0.0.1:{port}",
                                    "--log-level", "warning", app], "gunicorn"),
    "waitress": ("--threads 8 (one process)",
                 lambda app, port: [os.path.join(VENV_BIN, "waitress-serve"), "--threads=8",
                                    f"--listen=127.0.0.1:{port}", app], "waitress"),
    "granian": ("--interface wsgi --workers 2 --blocking-threads 16",
                lambda app, port: [os.path.join(VENV_BIN, "granian"), "--interface", "wsgi",
                                   "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
                                   "--blocking-threads", "16", "--log-level", "warning", app],
                "granian"),
    "bjoern": ("bjoern.run() (one process, one thread)",
               lambda app, port: [PYTHON, "serve_peer.py", "bjoern", app, str(port)], "bjoern"),
    "pyruvate": ("pyruvate.serve(app, addr, 16) (one process, 16 worker threads)",
                 lambda app, port: [PYTHON, "serve_peer.py", "pyruvate", app, str(port), "16"],
                 "pyruvate"),
}

# ------------------------------------------------------------------- scenarios
# name -> (app, extra wrk arguments, extra environment for wrk.lua, what it stresses)
SCENARIOS = {
    "hello": ("apps:hello", [], {}, "fixed cost per request, keep-alive"),
    "hello-close": ("apps:hello", ["-H", "Connection: close"], {},
                    "accept + close per request"),
    "environ": ("apps:environ", [], {}, "building the environ dict"),
    "slow": ("apps:slow", [], {}, "app blocks 10 ms: concurrency of blocking apps"),
    "big": ("apps:big", [], {}, "1 MiB streamed in 64 KiB chunks"),
    "upload": ("apps:upload", [], {"BENCH_BODY_BYTES": "65536"}, "64 KiB POST read from wsgi.input"),
}

# ------------------------------------------------------------- process control
STARTED = []  # Popen objects of every server we started


def stop(proc):
    """Stops a server by the pid we got: TERM to its process group, then KILL."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    # whatever is left in its process group (workers of a master that died)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def stop_all():
    while STARTED:
        stop(STARTED.pop())


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


def session_pids(sid):
    """Pids of every process in session `sid` (the server and all it forked)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(rest[3]) == sid:
            pids.append(int(entry))
    return pids


def cpu_ticks(sid):
    total = 0
    for pid in session_pids(sid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            total += int(rest[11]) + int(rest[12])  # utime + stime
        except OSError:
            pass
    return total


def rss_kb(sid):
    total = 0
    for pid in session_pids(sid):
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_KB
        except OSError:
            pass
    return total


class RssSampler(threading.Thread):
    def __init__(self, sid):
        super().__init__(daemon=True)
        self.sid, self.peak, self.running = sid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kb(self.sid))
            time.sleep(0.1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/")
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def run_wrk(port, scenario, seconds):
    _app, extra, env_extra, _ = SCENARIOS[scenario]
    env = dict(os.environ, **env_extra)
    cmd = ["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", os.path.join(HERE, "wrk.lua"),
           *extra, f"http://127.0.0.1:{port}/"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"wrk printed no result: {out.stdout[-500:]} {out.stderr[-500:]}")


def bench_one(server, scenario, args, logdir):
    """Starts `server` on the scenario's app, warms it up, runs wrk `repeats` times."""
    _settings, argv, _mod = SERVERS[server]
    app = SCENARIOS[scenario][0]
    port = free_port()
    log = open(os.path.join(logdir, f"{server}-{scenario}.log"), "w")
    proc = subprocess.Popen(argv(app, port), cwd=HERE, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    STARTED.append(proc)
    try:
        if not wait_ready(port, proc):
            log.flush()
            with open(log.name) as f:
                tail = f.read()[-400:]
            return {"failed": "did not start"}, tail
        run_wrk(port, scenario, 1)  # warm-up, not counted
        sampler = RssSampler(proc.pid)
        sampler.start()
        runs = []
        for _ in range(args.repeats):
            before = cpu_ticks(proc.pid)
            r = run_wrk(port, scenario, args.duration)
            after = cpu_ticks(proc.pid)
            reqs = max(r["requests"], 1)
            runs.append({
                "rps": r["requests"] / (r["duration_us"] / 1e6),
                "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
                "errors": r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"],
                "cpu_us": (after - before) / CLK_TCK * 1e6 / reqs,
            })
        sampler.running = False
        sampler.join()
        alive = proc.poll() is None
        res = {k: statistics.median(x[k] for x in runs) for k in ("rps", "p50_ms", "p99_ms", "cpu_us")}
        res["errors"] = sum(x["errors"] for x in runs)
        res["rss_mb"] = sampler.peak / 1024
        res["runs"] = runs
        if not alive:
            res["note"] = "server died during the run"
        return res, ""
    except Exception as e:  # noqa: BLE001 - one failure must not stop the table
        return {"failed": f"error: {e}"[:200]}, ""
    finally:
        stop(proc)
        STARTED.remove(proc)
        log.close()


# ---------------------------------------------------------------------- report
def version_of(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout.strip() or out.stderr.strip()).splitlines()[0]
    except Exception:  # noqa: BLE001
        return "unknown"


def pkg_version(mod):
    return version_of([PYTHON, "-c", f"import importlib.metadata as m; print(m.version('{mod}'))"])


def importable(mod):
    return mod is None or subprocess.run([PYTHON, "-c", f"import {mod}"],
                                         capture_output=True).returncode == 0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="one repeat of 3 s (for trying it)")
    p.add_argument("--duration", type=int, help="seconds per wrk run (default 5; 3 with --quick)")
    p.add_argument("--repeats", type=int, help="wrk runs per cell, median kept (default 3; 1 with --quick)")
    p.add_argument("--servers", default=",".join(SERVERS))
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    args = p.parse_args()
    args.duration = args.duration or (3 if args.quick else 5)
    args.repeats = args.repeats or (1 if args.quick else 3)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    servers = [s for s in args.servers.split(",") if s]
    scenarios = [s for s in args.scenarios.split(",") if s]
    missing = {s for s in servers if not importable(SERVERS[s][2])}
    results = {}
    logdir = tempfile.mkdtemp(prefix="wsgi-bench-")
    try:
        for scenario in scenarios:
            for server in servers:
                if server in missing:
                    results[(scenario, server)] = {"failed": "not installed"}
                    continue
                print(f"--- {scenario} on {server} ...", file=sys.stderr, flush=True)
                res, tail = bench_one(server, scenario, args, logdir)
                results[(scenario, server)] = res
                if "failed" in res:
                    print(f"    FAILED: {res['failed']}\n{tail}", file=sys.stderr)
                else:
                    print(f"    {res['rps']:.0f} req/s, p99 {res['p99_ms']:.2f} ms, "
                          f"{res['errors']} errors", file=sys.stderr)
    finally:
        stop_all()

    versions = [("", version_of([OURS, "--version"])),
                ("", version_of([PYTHON, "--version"])),
                ("", version_of(["wrk", "-v"]).split(" Copyright")[0]),
                ("", version_of(["rustc", "--version"]))]
    versions += [(s, pkg_version(SERVERS[s][2]) if s not in missing else "not installed")
                 for s in servers if SERVERS[s][2]]
    mode = (f"quick (--quick: 1 run of {args.duration} s per cell)" if args.repeats == 1
            else f"full (median of {args.repeats} runs of {args.duration} s per cell)")
    lines = [
        f"Benchmark of {datetime.date.today().isoformat()}, {mode}.",
        "",
        f"Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, Linux {platform.release()}. "
        "Load: `wrk -t2 -c64` on 127.0.0.1, one server at a time, 1 s warm-up not counted.",
        "",
        "Versions: " + ", ".join(f"{n} {v}".strip() for n, v in versions) + ".",
        "",
        "Settings:",
        "",
        *[f"- {s}: `{SERVERS[s][0]}`" for s in servers],
        "",
        "req/s, p50, p99 and CPU are medians over the runs; errors are the total (wrk's connect, "
        "read, write, timeout and non-2xx); CPU is the server's user+system time (all its "
        "processes) per request; peak RSS is the largest sum over its processes, sampled every "
        "0.1 s. ours/peer is wsgi-server's req/s divided by the row's.",
        "",
        "| scenario | server | req/s | ours/peer | p50 ms | p99 ms | errors | CPU µs/req | peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in scenarios:
        ours = results.get((scenario, "wsgi-server"), {})
        for server in servers:
            r = results[(scenario, server)]
            if "failed" in r:
                lines.append(f"| {scenario} | {server} | {r['failed']} | | | | | | |")
                continue
            ratio = ("" if server == "wsgi-server" or "rps" not in ours or not r["rps"]
                     else f"{ours['rps'] / r['rps']:.2f}x")
            name = server + (f" ({r['note']})" if "note" in r else "")
            lines.append(f"| {scenario} | {name} | {r['rps']:.0f} | {ratio} | {r['p50_ms']:.2f} | "
                         f"{r['p99_ms']:.2f} | {r['errors']} | {r['cpu_us']:.0f} | {r['rss_mb']:.1f} |")
    lines += ["", "Scenarios: " + "; ".join(f"`{s}` {SCENARIOS[s][3]}" for s in scenarios) + ".",
              "Not yet measured: `c1000` (1000 connections plus a fresh-connection probe)."]
    table = "\n".join(lines) + "\n"
    print(table)
    with open(args.output, "w") as f:
        f.write(table)
    print(f"written to {os.path.relpath(args.output, ROOT)}; server logs in {logdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
