"""Runs every server on every scenario with wrk and prints Markdown tables.

Called by run.sh (which installs the tools first); see run.sh for the options.
Every server is started in its own process group and stopped by the pid we got
for it (the group's id), in a finally block and on SIGINT/SIGTERM, so nothing outlives
the run.
"""
import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.client

import apps  # the apps under test (here: HELLO, the answer the probe expects)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.path.join(HERE, ".venv")
VENV_BIN = os.path.join(VENV, "bin")
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
    "c1000": ("apps:hello", [], {},
              "1000 keep-alive connections, plus a fresh connection every 250 ms (the probe)"),
}
CONNECTIONS = {"c1000": 1000}  # wrk -c: 64 unless named here
PROBED = {"c1000"}  # scenarios that run the Probe while wrk runs

# ----------------------------------------------------------------- idle memory
# Each server with ONE worker process (its other settings as above), for the
# "Idle memory" table: started, one request, 1 s of rest, then the RSS of all its
# processes. Ours twice: as a single process (no --workers), and as a master
# with one worker (--workers 1), so that the master's cost shows.
IDLE = [
    ("wsgi-server", lambda port: [OURS, "apps:hello", "--bind", f"127.0.0.1:{port}"]),
    ("wsgi-server", lambda port: [OURS, "apps:hello", "--bind", f"127.0.0.1:{port}",
                                  "--workers", "1"]),
    ("gunicorn", lambda port: [os.path.join(VENV_BIN, "gunicorn"), "-w", "1", "--threads", "4",
                               "-k", "gthread", "-b", f"127.0.0.1:{port}", "apps:hello"]),
    ("waitress", lambda port: SERVERS["waitress"][1]("apps:hello", port)),
    ("granian", lambda port: [os.path.join(VENV_BIN, "granian"), "--interface", "wsgi",
                              "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                              "--blocking-threads", "16", "apps:hello"]),
    ("bjoern", lambda port: SERVERS["bjoern"][1]("apps:hello", port)),
    ("pyruvate", lambda port: SERVERS["pyruvate"][1]("apps:hello", port)),
]

# --------------------------------------------------------------------- ceiling
# Not a WSGI server: nginx answering the same 13 bytes from its config, with no
# application at all. What it reaches under the same wrk is about as much as
# this machine and load generator allow any server on `hello`; the "ceiling"
# table sets the WSGI servers' numbers against it. `reuseport` gives each
# nginx worker a listening socket of its own, so the kernel spreads wrk's 64
# connections evenly; on one shared socket, one worker sometimes took nearly
# all of them and nginx ran on one core (164k req/s in one run, 260k in the
# next).
CEILING_SETTINGS = ("worker_processes 2; listen ... reuseport; return 200 \"Hello, world!\" "
                    "(static, no application)")


def nginx_argv(_app, port):
    prefix = tempfile.mkdtemp(prefix="wsgi-bench-nginx-")
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port} reuseport;
        location / {{ default_type text/plain; return 200 "{apps.HELLO.decode()}"; }}
    }}
}}
""")
    return [shutil.which("nginx") or "/usr/sbin/nginx", "-p", prefix, "-c", conf]


# ------------------------------------------------------------- process control
STARTED = []  # Popen objects of every server we started


def server_env(server):
    """The peers run from the bench venv; ours is run the way a user of that venv
    would run it: with VIRTUAL_ENV set and the venv's bin first on PATH."""
    if server != "wsgi-server":
        return None
    return dict(os.environ, VIRTUAL_ENV=VENV, PATH=VENV_BIN + os.pathsep + os.environ["PATH"])


def start(server, argv, log):
    """Starts a server in its own process group (its pid is the group's id).

    Not in its own session: Linux's scheduler autogroups give every session an
    equal share of the CPU, so a server in a session of its own was held to about
    one of the two cores whenever wrk was busy on the other, whatever its threads
    could use. A single-threaded server (bjoern) lost nothing by that; ours, in
    the same run, went from 156k to 94k req/s on hello. In one process group the
    server's and wrk's threads share the machine as they do when both are
    started from one shell."""
    proc = subprocess.Popen(argv, cwd=HERE, env=server_env(server), stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            process_group=0)
    STARTED.append(proc)
    return proc


def raise_fd_limit():
    """c1000 needs over 1000 descriptors in wrk and in the server: lift the soft
    limit to the hard one (at most 65536); children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


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


def group_pids(pgid):
    """Pids of every process in process group `pgid` (the server and all it forked)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(rest[2]) == pgid:
            pids.append(int(entry))
    return pids


def cpu_ticks(pgid):
    total = 0
    for pid in group_pids(pgid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            total += int(rest[11]) + int(rest[12])  # utime + stime
        except OSError:
            pass
    return total


def rss_kb(pgid):
    total = 0
    for pid in group_pids(pgid):
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_KB
        except OSError:
            pass
    return total


class RssSampler(threading.Thread):
    def __init__(self, pgid):
        super().__init__(daemon=True)
        self.pgid, self.peak, self.running = pgid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kb(self.pgid))
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
    connections = CONNECTIONS.get(scenario, 64)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", os.path.join(HERE, "wrk.lua"),
           *extra, f"http://127.0.0.1:{port}/"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"wrk printed no result: {out.stdout[-500:]} {out.stderr[-500:]}")


class Probe(threading.Thread):
    """While wrk runs: every 250 ms, a fresh TCP connection sends one GET, timed from
    connect() to the last byte of the response. A server that keeps wrk's 1000
    keep-alive connections busy but starves new ones shows here, where wrk sees no
    error. A probe with no full answer within 2 s is a failure."""
    INTERVAL, TIMEOUT = 0.25, 2.0
    REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    def __init__(self, port, seconds):
        super().__init__(daemon=True)
        self.port, self.seconds = port, seconds
        self.times_ms, self.failures = [], 0

    def run(self):
        t0 = time.monotonic()
        tick = t0 + self.INTERVAL  # first probe once wrk has opened its connections
        while tick < t0 + self.seconds - self.INTERVAL:  # last one well before wrk ends
            time.sleep(max(0.0, tick - time.monotonic()))
            start = time.monotonic()
            try:
                self.get()
                self.times_ms.append((time.monotonic() - start) * 1000)
            except (OSError, ValueError):
                self.failures += 1
            tick += self.INTERVAL
            while tick < time.monotonic():  # a slow probe skips the ticks it missed
                tick += self.INTERVAL

    def get(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=self.TIMEOUT) as s:
            s.sendall(self.REQUEST)
            data = b""
            while not data.endswith(b"\r\n\r\n" + apps.HELLO):
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        if not data.startswith(b"HTTP/1.1 200 ") or not data.endswith(apps.HELLO):
            raise ValueError(f"bad answer {data[:40]!r}")


def bench_one(server, scenario, args, logdir, argv=None):
    """Starts `server` on the scenario's app, warms it up, runs wrk `repeats` times."""
    argv = argv or SERVERS[server][1]
    app = SCENARIOS[scenario][0]
    port = free_port()
    log = open(os.path.join(logdir, f"{server}-{scenario}.log"), "w")
    proc = start(server, argv(app, port), log)
    try:
        if not wait_ready(port, proc):
            log.flush()
            with open(log.name) as f:
                tail = f.read()[-400:]
            return {"failed": "did not start"}, tail
        run_wrk(port, scenario, 1)  # warm-up, not counted
        sampler = RssSampler(proc.pid)
        sampler.start()
        runs, probe_ms, probe_failures = [], [], 0
        for _ in range(args.repeats):
            probe = Probe(port, args.duration) if scenario in PROBED else None
            before = cpu_ticks(proc.pid)
            if probe:
                probe.start()
            r = run_wrk(port, scenario, args.duration)
            after = cpu_ticks(proc.pid)
            if probe:
                probe.join()
                probe_ms += probe.times_ms
                probe_failures += probe.failures
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
        if scenario in PROBED:
            res["probe"] = {"count": len(probe_ms) + probe_failures, "failures": probe_failures,
                            "median_ms": statistics.median(probe_ms) if probe_ms else None,
                            "max_ms": max(probe_ms) if probe_ms else None}
        if not alive:
            res["note"] = "server died during the run"
        return res, ""
    except Exception as e:  # noqa: BLE001 - one failure must not stop the table
        return {"failed": f"error: {e}"[:200]}, ""
    finally:
        stop(proc)
        STARTED.remove(proc)
        log.close()


def idle_rss(server, argv, logdir, index):
    """Starts one IDLE command, sends it one request, rests 1 s, sums its RSS."""
    port = free_port()
    log = open(os.path.join(logdir, f"idle-{index}-{server}.log"), "w")
    proc = start(server, argv(port), log)
    try:
        if not wait_ready(port, proc):  # its one successful GET is the request
            return {"failed": "did not start"}
        time.sleep(1.0)
        return {"rss_mb": rss_kb(proc.pid) / 1024, "processes": len(group_pids(proc.pid))}
    finally:
        stop(proc)
        STARTED.remove(proc)
        log.close()


def shown(argv, port):
    """An argv as the table shows it: programs without their directory, the port as PORT."""
    words = [os.path.basename(a) if os.path.isabs(a) else a for a in argv]
    return " ".join("PORT" if w == str(port) else w.replace(f":{port}", ":PORT") for w in words)


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


def main_table(results, scenarios, servers):
    lines = [
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
                         f"{r['p99_ms']:.2f} | {r['errors']} | {r['cpu_us']:.1f} | {r['rss_mb']:.1f} |")
    lines += ["", "Scenarios: " + "; ".join(f"`{s}` {SCENARIOS[s][3]}" for s in scenarios) + ".", ""]
    return lines


def probe_table(results, servers):
    ms = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    lines = [
        "c1000 (`wrk -t2 -c1000` on hello) and its probe: while wrk runs, every 250 ms a fresh "
        "connection sends one GET; the probe's time runs from connect() to the last byte of the "
        "answer. A probe with no answer within 2 s fails. Target: no errors, probe median < 5 ms.",
        "",
        "| server | req/s | p50 ms | p99 ms | errors | probe median ms | probe max ms | probe failures |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for server in servers:
        r = results[("c1000", server)]
        if "failed" in r:
            lines.append(f"| {server} | {r['failed']} | | | | | | |")
            continue
        pr = r["probe"]
        lines.append(f"| {server} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                     f"{r['errors']} | {ms(pr['median_ms'])} | {ms(pr['max_ms'])} | "
                     f"{pr['failures']} of {pr['count']} |")
    return lines + [""]


def idle_table(rows):
    lines = [
        "Idle memory (one worker): each server started with one worker process, sent one "
        "request, then left alone 1 s; RSS is the sum over all its processes (shared pages "
        "count once per process). The peers run from the bench venv, ours with VIRTUAL_ENV "
        "set to it. Target: ours no more than 15 MB.",
        "",
        "| server | command line | processes | RSS MB |",
        "| --- | --- | ---: | ---: |",
    ]
    for server, command, r in rows:
        if "failed" in r:
            lines.append(f"| {server} | `{command}` | {r['failed']} | |")
        else:
            lines.append(f"| {server} | `{command}` | {r['processes']} | {r['rss_mb']:.1f} |")
    return lines + [""]


def run_the_ceiling(args, logdir):
    print("--- hello on nginx (the ceiling) ...", file=sys.stderr, flush=True)
    ceiling, tail = bench_one("nginx", "hello", args, logdir, argv=nginx_argv)
    if "failed" in ceiling:
        print(f"    FAILED: {ceiling['failed']}\n{tail}", file=sys.stderr)
    else:
        print(f"    {ceiling['rps']:.0f} req/s", file=sys.stderr)
    return ceiling


def ceiling_table(ceiling, results, servers):
    lines = [
        "Ceiling: nginx answering the same 13 bytes from its configuration, no application "
        f"(`{CEILING_SETTINGS}`), under the same `wrk -t2 -c64`, run right after the hello "
        "rows. wrk shares the two cores, so this is about as far as any server gets on "
        "`hello` here. of ceiling is a server's hello req/s divided by nginx's; the machine's "
        "speed drifts by tens of percent within minutes, so read it to the first decimal.",
        "",
        "| server | hello req/s | of ceiling | CPU µs/req |",
        "| --- | ---: | ---: | ---: |",
    ]
    if "failed" in ceiling:
        return lines + [f"| nginx | {ceiling['failed']} | | |", ""]
    top = ceiling["rps"]
    lines.append(f"| nginx (ceiling) | {top:.0f} | 1.00 | {ceiling['cpu_us']:.1f} |")
    for server in servers:
        r = results.get(("hello", server))
        if r and "failed" not in r:
            lines.append(f"| {server} | {r['rps']:.0f} | {r['rps'] / top:.2f} | {r['cpu_us']:.1f} |")
    granian = results.get(("hello", "granian"))
    if granian and "failed" not in granian:
        lines += ["", f"Twice granian's hello would be {2 * granian['rps']:.0f} req/s, "
                      f"{2 * granian['rps'] / top:.2f} of the ceiling."]
    return lines + [""]


def main():
    global OURS  # --ours replaces it
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="one repeat of 3 s (for trying it)")
    p.add_argument("--duration", type=int, help="seconds per wrk run (default 5; 3 with --quick)")
    p.add_argument("--repeats", type=int, help="wrk runs per cell, median kept (default 3; 1 with --quick)")
    p.add_argument("--servers", default=",".join(SERVERS))
    p.add_argument("--scenarios", default=",".join([*SCENARIOS, "ceiling", "idle"]),
                   help="comma-separated; 'idle' is the idle-memory table (default: all)")
    p.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--ours", default=OURS, help="the wsgi-server binary (default: the release build)")
    args = p.parse_args()
    OURS = os.path.abspath(args.ours)
    args.duration = args.duration or (3 if args.quick else 5)
    args.repeats = args.repeats or (1 if args.quick else 3)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    fd_limit = raise_fd_limit()
    servers = [s for s in args.servers.split(",") if s]
    scenarios = [s for s in args.scenarios.split(",") if s and s not in ("idle", "ceiling")]
    idle = "idle" in args.scenarios.split(",")
    ceiling = None
    run_ceiling = "ceiling" in args.scenarios.split(",")
    if "c1000" in scenarios and fd_limit < 2100:
        print(f"warning: only {fd_limit} file descriptors; c1000 will see errors", file=sys.stderr)
    missing = {s for s in servers if not importable(SERVERS[s][2])}
    results = {}
    idle_rows = []
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
            # The ceiling right after the hello rows: the machine's speed
            # drifts by tens of percent over a quarter of an hour (other
            # tenants of the host), so it is only comparable in the same window.
            if scenario == "hello" and run_ceiling:
                ceiling = run_the_ceiling(args, logdir)
        if run_ceiling and ceiling is None:
            ceiling = run_the_ceiling(args, logdir)
        for index, (server, argv) in enumerate(IDLE if idle else []):
            if server not in servers:
                continue
            print(f"--- idle memory of {server} ...", file=sys.stderr, flush=True)
            res = ({"failed": "not installed"} if server in missing
                   else idle_rss(server, argv, logdir, index))
            idle_rows.append((server, shown(argv(8000), 8000), res))
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
        "Load: `wrk -t2 -c64` (c1000: `-c1000`) on 127.0.0.1, one server at a time, "
        "1 s warm-up not counted. Servers and wrk share one session, so the scheduler "
        "shares both cores between their threads (a server in a session of its own is "
        "held to about one core while wrk runs: see `start` in bench.py).",
        "",
        "Versions: " + ", ".join(f"{n} {v}".strip() for n, v in versions) + ".",
        "",
        "Settings:",
        "",
        *[f"- {s}: `{SERVERS[s][0]}`" for s in servers],
        "",
        *(main_table(results, scenarios, servers) if scenarios else []),
        *(probe_table(results, servers) if "c1000" in scenarios else []),
        *(ceiling_table(ceiling, results, servers) if run_ceiling else []),
        *(idle_table(idle_rows) if idle else []),
    ]
    table = "\n".join(lines).rstrip() + "\n"
    print(table)
    with open(args.output, "w") as f:
        f.write(table)
    print(f"written to {os.path.relpath(args.output, ROOT)}; server logs in {logdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
