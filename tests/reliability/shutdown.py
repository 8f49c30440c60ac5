"""Shutdown and reload under load: HUP and TERM while clients keep asking.

The server runs ``--workers 2 --threads 8``. The load is wrk (``-t2 -c32``,
keep-alive, ``/hello``) plus a Python load that classifies every request:
8 keep-alive clients and 4 clients that open a connection per request,
alternating ``/slow?ms=20`` and ``/pid``, each request with a unique
``?id=`` that the app writes to an entry log as soon as it is called.

"Failed" is defined as gunicorn users mean it: a request the server accepted
(its id reached the app, or any byte of a response came back) that did not
get a whole response, or any error at all while the server is not stopping.
A connection the server never read (refused at connect after TERM, or an
idle keep-alive connection closed just as a request was sent on it: no
response byte, the id never reached the app) is counted and shown, not
failed: a client may retry it (RFC 9110 9.2.2), and wrk counts it as an error.

HUP (twice, 3 s apart): zero failed requests, zero wrk errors, and the
answers come from a new generation of workers.

TERM: zero failed requests; every request that entered the app gets its
whole response; after the stop, new connections are refused (ECONNREFUSED),
and the master exits with status 0 within the graceful timeout.
"""
import errno
import itertools
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import common

IDS = itertools.count()


class Load:
    def __init__(self, addr, stop_on_refused):
        self.addr = addr
        self.stop_on_refused = stop_on_refused
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.records = []  # dicts: id, kind, reused, start, end, outcome, received, pid, error
        self.threads = [threading.Thread(target=self.client, args=(True,), daemon=True) for _ in range(8)]
        self.threads += [threading.Thread(target=self.client, args=(False,), daemon=True) for _ in range(4)]
        for t in self.threads:
            t.start()

    def client(self, keepalive):
        conn = None
        n = 0
        deadline = time.monotonic() + 120  # guard: a load never outlives this
        while not self.stop.is_set() and time.monotonic() < deadline:
            rid = next(IDS)
            path = f"/slow?ms=20&id={rid}" if n % 2 else f"/pid?id={rid}"
            n += 1
            rec = {"id": str(rid), "kind": "keepalive" if keepalive else "fresh", "reused": False,
                   "start": time.monotonic(), "received": 0, "pid": None, "error": None}
            try:
                if conn is None:
                    conn = common.Conn(self.addr, timeout=40)
                else:
                    rec["reused"] = True
                headers = [] if keepalive else [("Connection", "close")]
                response = conn.request("GET", path, headers)
                if response.status != 200:
                    raise common.HttpError(f"status {response.status}", 1)
                if path.startswith("/pid"):
                    rec["pid"] = int(response.body)
                rec["outcome"] = "ok"
                if not keepalive or response.header("connection") == "close":
                    conn.close()
                    conn = None
            except ConnectionRefusedError:
                rec["outcome"] = "refused"
                conn = None
            except (OSError, common.HttpError) as e:
                rec["outcome"] = "error"
                rec["error"] = repr(e)
                rec["received"] = getattr(e, "received", 0)
                if conn:
                    conn.close()
                conn = None
            rec["end"] = time.monotonic()
            with self.lock:
                self.records.append(rec)
            if rec["outcome"] == "refused":
                if self.stop_on_refused:
                    break
                time.sleep(0.01)
        if conn:
            conn.close()

    def finish(self, timeout=60):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=timeout)


def wrk(addr, seconds):
    cmd = ["wrk", "-t", "2", "-c", "32", "-d", f"{seconds}s", "--timeout", "10s",
           f"http://{addr[0]}:{addr[1]}/hello"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_summary(proc):
    out, _ = proc.communicate(timeout=120)
    requests = int(re.search(r"(\d+) requests in", out).group(1)) if "requests in" in out else 0
    errors = {k: 0 for k in ("connect", "read", "write", "timeout")}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors = dict(zip(errors, map(int, m.groups())))
    non2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", out).group(1)) if "Non-2xx" in out else 0
    return requests, errors, non2xx


def entered(path):
    with open(path) as f:
        return set(f.read().split())


def classify(records, entered_ids, stop_at):
    """(ok, refused, unread, failed list) -- see the module docstring."""
    ok = refused = 0
    unread, failed = [], []
    for r in records:
        if r["outcome"] == "ok":
            ok += 1
        elif r["outcome"] == "refused" and stop_at is not None and r["start"] >= stop_at:
            refused += 1
        elif (r["outcome"] == "error" and r["received"] == 0 and r["id"] not in entered_ids
              and stop_at is not None and r["end"] >= stop_at):
            unread.append(r)
        else:
            failed.append(r)
    return ok, refused, unread, failed


def describe(rec):
    return f"{rec['kind']}{' (reused)' if rec['reused'] else ''}: {rec['error'] or rec['outcome']}"


def hup(check):
    with tempfile.NamedTemporaryFile(prefix="entries-", delete=False) as f:
        entry_log = f.name
    server = common.Server(["--workers", "2", "--threads", "8"], env={"RELIABILITY_ENTRY_LOG": entry_log},
                           log_name="hup")
    first = server.worker_pid()
    bench = wrk(server.addr, 10)
    load = Load(server.addr, stop_on_refused=False)
    time.sleep(2)
    hup_at = []
    for _ in range(2):
        hup_at.append(time.monotonic())
        server.signal(signal.SIGHUP)
        time.sleep(3)
    time.sleep(1)
    load.finish()
    requests, errors, non2xx = wrk_summary(bench)
    server.stop()
    log = server.log()
    server.remove_log()
    ok, _, unread, failed = classify(load.records, entered(entry_log), hup_at[0])
    os.unlink(entry_log)
    # While reloading, the master keeps listening: only an idle keep-alive
    # connection closed by a retiring worker may go unread.
    failed += [r for r in unread if not r["reused"]]
    unread = [r for r in unread if r["reused"]]
    pids_before = {r["pid"] for r in load.records if r["pid"] and r["end"] < hup_at[0]}
    pids_last = {r["pid"] for r in load.records if r["pid"] and r["start"] > hup_at[1] + 2}
    check.measure("HUP x2 under load: failed requests (Python load)",
                  f"{len(failed)} of {len(load.records):,}" + (f"; first: {describe(failed[0])}" if failed else ""),
                  "0", not failed)
    check.note(f"HUP x2: {len(unread)} requests of the Python load sent on a reused keep-alive connection "
               "just as its retiring worker closed it (no response byte, never reached the app; a client "
               "retries these)")
    wrk_errors = errors["connect"] + errors["write"] + errors["timeout"]
    check.measure("HUP x2 under load: wrk errors", f"{wrk_errors} connect/write/timeout, {non2xx} non-2xx, "
                  f"of {requests:,} requests; {errors['read']} read errors (keep-alive connections closed "
                  "by retiring workers, as above)", "0 (read errors shown, not counted)",
                  wrk_errors == 0 and non2xx == 0 and requests > 0)
    check.measure("HUP x2: workers replaced", f"pids before {sorted(pids_before)}, after the 2nd HUP "
                  f"{sorted(pids_last)}", "disjoint", bool(pids_last) and not (pids_before & pids_last))
    del first, log


def term(check):
    with tempfile.NamedTemporaryFile(prefix="entries-", delete=False) as f:
        entry_log = f.name
    server = common.Server(["--workers", "2", "--threads", "8", "--graceful-timeout", "10"],
                           env={"RELIABILITY_ENTRY_LOG": entry_log}, log_name="term")
    server.worker_pid()
    bench = wrk(server.addr, 6)
    load = Load(server.addr, stop_on_refused=True)
    time.sleep(3)
    stop_at = time.monotonic()
    server.signal(signal.SIGTERM)
    status = server.wait(30)
    exited_after = time.monotonic() - stop_at
    # Every client stops at its first refused connect (bounded by the guard).
    common.wait_for(lambda: all(not t.is_alive() for t in load.threads), 20)
    load.finish()
    requests, errors, non2xx = wrk_summary(bench)
    # New connections after the stop:
    try:
        socket_probe = common.Conn(server.addr, timeout=5)
        socket_probe.close()
        refused_after = False
    except ConnectionRefusedError:
        refused_after = True
    server.stop()
    server.remove_log()
    ids = entered(entry_log)
    os.unlink(entry_log)
    ok, refused, unread, failed = classify(load.records, ids, stop_at)
    in_flight = [r for r in load.records if r["start"] < stop_at < r.get("end", 0)]
    in_flight_entered = [r for r in in_flight if r["id"] in ids]
    check.measure("TERM under load: failed requests (Python load)",
                  f"{len(failed)} of {len(load.records):,}" + (f"; first: {describe(failed[0])}" if failed else ""),
                  "0", not failed)
    check.measure("TERM: requests in the app at the signal that completed",
                  f"{sum(r['outcome'] == 'ok' for r in in_flight_entered)} / {len(in_flight_entered)}",
                  "all", all(r["outcome"] == "ok" for r in in_flight_entered))
    fresh_unread = [r for r in unread if not r["reused"]]
    check.note(f"TERM: after the signal, {refused} connects refused, {len(unread)} connections closed "
               f"unread (no response byte, request never reached the app): "
               f"{len(unread) - len(fresh_unread)} idle keep-alive connections closed by a stopping worker "
               f"as a request was sent, {len(fresh_unread)} fresh connections reset")
    check.measure("TERM: fresh connections reset instead of refused", f"{len(fresh_unread)}",
                  "<= 4 (only those in the accept queue as the last worker closes it)", len(fresh_unread) <= 4)
    check.note(f"TERM: wrk saw {requests:,} requests, socket errors {errors}, {non2xx} non-2xx "
               "(connect errors after the stop are the refused connections)")
    check.measure("TERM: a new connection after the stop", "refused" if refused_after else "accepted",
                  "refused", refused_after)
    check.measure("TERM: master exit", f"status {status} after {exited_after:.2f} s", "0 within 10 s + 1 s",
                  status == 0 and exited_after < 11)
    check.measure("TERM: wrk timeouts and non-2xx", f"{errors['timeout']} timeouts, {non2xx} non-2xx; "
                  f"(shown, not counted: {errors['read']} read errors, keep-alive connections closed by the stopping "
                  f"workers; {errors['connect'] + errors['write']} connect/write errors, wrk reconnecting to a "
                  "closed port)", "0", errors["timeout"] + non2xx == 0)


def main():
    args = common.arguments(__doc__).parse_args()
    check = common.Check("shutdown", "HUP x2 and TERM while wrk -t2 -c32 and 12 Python clients run, "
                         "--workers 2 --threads 8")
    hup(check)
    term(check)
    return check.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())
