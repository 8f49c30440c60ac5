"""App faults: exceptions, a str body, no start_response, a generator that
raises half-way, and an app that calls os._exit.

Part 1 (``--workers 1``). Each fault path is requested many times:
``/error`` (raises), ``/str`` (returns a str) and ``/no-start`` (never calls
start_response) must each give a 500 with a short body; ``/gen-raise`` (one
chunk, then raises) must give its head and first chunk and then a cut
connection (never a 500 inside a body). Then: the same worker still serves,
every generator was closed, the worker's fds are back to the baseline and its
RSS did not grow by more than 5% over the second half of the run.

Part 2 (``--workers 2``). While 6 keep-alive clients and 2 clients that open
a connection per request ask for ``/pid`` in loops, a request to ``/exit``
makes a worker call ``os._exit`` (several times). Each time, a new worker
must answer within 10 s, and no request fails except the ones in flight on the
dying worker: a keep-alive client pinned to the dying worker loses at most the
request it had in flight, and a fresh-connection client may lose one request
within 0.5 s of the exit. Every other request succeeds.
"""
import threading
import time

import common

FAULTS = {
    "/error": "500",
    "/str": "500",
    "/no-start": "500",
    "/gen-raise": "cut",
}


def outcome(addr, path):
    conn = common.Conn(addr)
    try:
        conn.send(common.request_bytes("GET", path, [("Connection", "close")]))
        try:
            response = conn.read_response()
        except common.HttpError as e:
            data = conn.buf
            return "cut" if e.received > 0 else f"nothing ({e})", data
        if response.status == 500 and len(response.body) < 200:
            return "500", response.body
        return f"{response.status}", response.body
    finally:
        conn.close()


def part1(check, quick):
    n = 100 if quick else 1000
    server = common.Server(["--workers", "1"], log_name="faults")
    worker = server.worker_pid()
    fds_idle = common.idle_fds(worker)
    unexpected = []
    rss_half = None
    for i in range(n):
        for path, want in FAULTS.items():
            got, body = outcome(server.addr, path)
            if got != want:
                unexpected.append(f"{path}: {got} {body[:80]!r}")
        if i == n // 2:
            common.settled_fds(worker, fds_idle)
            rss_half = common.rss_kb(worker)[0]
    hello = common.get(server.addr, "/hello")
    stats = server.stats()
    fds_end = common.settled_fds(worker, fds_idle)
    rss_end = common.rss_kb(worker)[0]
    log = server.log()
    check.measure("fault responses as expected", f"{n * len(FAULTS) - len(unexpected)} / {n * len(FAULTS)} "
                  f"({n} each of {', '.join(FAULTS)})" + (f"; first unexpected: {unexpected[0]}" if unexpected
                                                          else ""),
                  "500 (short body) for /error, /str, /no-start; head + chunk then a cut for /gen-raise",
                  not unexpected)
    logged = {"/error": "raised before start_response (on purpose)", "/str": "returned a str",
              "/no-start": "start_response", "/gen-raise": "raised half-way through the body (on purpose)"}
    missing = [p for p, text in logged.items() if text not in log]
    check.measure("each fault named in the log", "all" if not missing else f"missing {missing}", "all",
                  not missing)
    check.measure("the worker serves on", f"{hello.status} {hello.body.decode()}, same worker: "
                  f"{server.worker_pid() == worker}", "200, same worker",
                  hello.status == 200 and server.worker_pid() == worker)
    check.measure("generators closed / returned (/gen-raise and /hello)",
                  f"{stats['closed']} / {stats['created']}", "all", stats["closed"] == stats["created"])
    check.measure("worker open fds afterwards", f"{fds_end} (idle baseline {fds_idle})", f"== {fds_idle}",
                  fds_end == fds_idle)
    growth = (rss_end - rss_half) / rss_half * 100
    check.measure("worker RSS over the second half", f"{growth:+.1f}% ({common.mib(rss_half)} -> "
                  f"{common.mib(rss_end)})", "< 5%", growth < 5)
    server.stop()
    server.remove_log()


class Load:
    """Client loops asking /pid; each records (start, end, pid or None, error)."""

    def __init__(self, addr):
        self.addr = addr
        self.stop = threading.Event()
        self.records = []  # (kind, index, start, end, pid, error, pinned_pid)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.keepalive, args=(i,), daemon=True) for i in range(6)]
        self.threads += [threading.Thread(target=self.fresh, args=(i,), daemon=True) for i in range(2)]
        for t in self.threads:
            t.start()

    def record(self, *row):
        with self.lock:
            self.records.append(row)

    def keepalive(self, index):
        conn, pinned = None, None
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                if conn is None:
                    conn, pinned = common.Conn(self.addr), None
                response = conn.request("GET", "/pid")
                pid = int(response.body)
                pinned = pinned or pid
                self.record("keepalive", index, started, time.monotonic(), pid, None, pinned)
            except (OSError, common.HttpError, ValueError) as e:
                self.record("keepalive", index, started, time.monotonic(), None, repr(e), pinned)
                if conn:
                    conn.close()
                conn = None
            time.sleep(0.002)
        if conn:
            conn.close()

    def fresh(self, index):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                pid = int(common.get(self.addr, "/pid").body)
                self.record("fresh", index, started, time.monotonic(), pid, None, None)
            except (OSError, common.HttpError, ValueError) as e:
                self.record("fresh", index, started, time.monotonic(), None, repr(e), None)
            time.sleep(0.002)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


def part2(check, quick):
    exits = 2 if quick else 5
    server = common.Server(["--workers", "2", "--threads", "4"], log_name="faults-exit")
    addr = server.addr
    known = set()
    # Both workers up before the load starts.
    common.wait_for(lambda: known.add(int(common.get(addr, "/pid").body)) or len(known) >= 2, 30, step=0.01)
    load = Load(addr)
    time.sleep(1)
    if server.proc.poll() is not None:
        raise SystemExit(f"the server exited ({server.proc.returncode}); its log:\n{server.log()}")
    events = []  # (victim pid, exit time, replacement seconds or None)
    for _ in range(exits):
        conn = common.Conn(addr)
        victim = int(conn.request("GET", "/pid").body)
        exited = time.monotonic()
        try:
            conn.request("GET", "/exit")
            answered = True
        except (OSError, common.HttpError):
            answered = False
        conn.close()
        with load.lock:
            known.update(r[4] for r in load.records if r[4])
        before = set(known)

        def new_worker():
            started = time.monotonic()
            try:
                pid = int(common.get(addr, "/pid").body)
            except (OSError, common.HttpError, ValueError) as e:
                load.record("fresh", -1, started, time.monotonic(), None, repr(e), None)
                return None
            return pid if pid not in before else None
        replacement = common.wait_for(new_worker, 10, step=0.01)
        events.append((victim, exited, time.monotonic() - exited if replacement else None, answered))
        if replacement:
            known.add(replacement)
        time.sleep(1.5)  # the master backs off a worker that dies in its first second
    time.sleep(1)
    load.finish()
    server.stop()
    server.remove_log()

    victims = {e[0] for e in events}
    lost, other = [], []
    for kind, index, start, end, pid, error, pinned in load.records:
        if error is None:
            continue
        near_exit = any(exited - 0.5 <= end <= exited + 0.5 for _, exited, _, _ in events)
        if kind == "keepalive" and pinned in victims and near_exit:
            lost.append(error)
        elif kind == "fresh" and near_exit:
            lost.append(error)
        else:
            other.append((kind, pinned, round(end, 2), error))
    # A keep-alive client can lose only the one request in flight per exit; a
    # fresh-connection client at most one per exit.
    limit = exits * (6 + 2 + 1)
    ok_total = sum(1 for r in load.records if r[5] is None)
    if lost:
        check.note(f"lost with a dying worker, e.g.: {lost[0]}")
    replaced = [e[2] for e in events if e[2] is not None]
    check.measure("os._exit: a new worker answers", f"{len(replaced)} / {exits} times, after "
                  + ", ".join(f"{s:.2f}" for s in replaced) + " s", f"{exits} / {exits}, each < 10 s",
                  len(replaced) == exits)
    check.measure("os._exit: the /exit request itself", "no response (connection closed)"
                  if not any(e[3] for e in events) else "answered?!", "no response",
                  not any(e[3] for e in events))
    check.measure("os._exit: requests lost with the dying worker", f"{len(lost)} of {len(load.records)}",
                  f"<= {limit} (the ones in flight on it)", len(lost) <= limit)
    check.measure("os._exit: other requests failed", f"{len(other)} (of {ok_total + len(other)} not in "
                  "flight on a dying worker)" + (f"; first: {other[0]}" if other else ""), "0", not other)


def part3(check):
    """A finding, shown as a note: exit status 3 is the master's BOOT_ERROR."""
    server = common.Server(["--workers", "2"], log_name="faults-exit3")
    server.worker_pid()
    try:
        common.get(server.addr, "/exit?code=3")
    except (OSError, common.HttpError):
        pass
    status = server.wait(10)
    log = server.log()
    server.stop()
    server.remove_log()
    if status is None:
        check.note("os._exit(3) in a request: the worker is replaced like any other")
    else:
        said = "could not load the application" in log
        check.note(f"os._exit(3) in a request (not one of the checks): the master takes status 3 for its "
                   f"BOOT_ERROR (a worker that cannot import the app) and stops the whole server: exit "
                   f"status {status}{', log: a worker could not load the application' if said else ''}. "
                   "gunicorn does the same with its WORKER_BOOT_ERROR 3")


def main():
    args = common.arguments(__doc__).parse_args()
    check = common.Check("faults", "fault apps on --workers 1; os._exit under load on --workers 2")
    part1(check, args.quick)
    part2(check, args.quick)
    part3(check)
    return check.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())
