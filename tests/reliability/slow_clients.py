"""Slow clients: slowloris connections and a client that never reads.

Part 1. 500 connections each send one byte of a request head every 2 s
(``--header-timeout 6``). Each must be closed by the server at the header
deadline (measured from its connect: between 6 s and 6 s + 1.5 s), never
later, while 4 normal clients, each opening a fresh connection per request,
keep getting ``/hello`` with a median latency under 10 ms.

Part 2. One client asks for a 1 GiB streamed response and never reads it.
The worker's RSS must not grow (at most 8 MiB over the 8 s it is watched)
and the app must stop producing (backpressure: the generator waits); the
body's close() is called when the client finally goes (the full run waits
for the server's 30 s write timeout to drop it; --quick closes the client).
"""
import json
import selectors
import socket
import statistics
import threading
import time

import common

SLOW = 500
HEADER_TIMEOUT = 6.0
TRICKLE_EVERY = 2.0
REQUEST = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"p" * 200 + b"\r\n\r\n"


def normal_clients(addr, stop, latencies, errors):
    def run():
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = common.get(addr, "/hello", timeout=10)
                if response.status != 200 or response.body != b"Hello, world!":
                    errors.append(f"{response.status} {response.body[:60]!r}")
            except (OSError, common.HttpError) as e:
                errors.append(repr(e))
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.005)
    threads = [threading.Thread(target=run, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    return threads


def slowloris(check, server, worker):
    sel = selectors.DefaultSelector()
    conns = {}
    for i in range(SLOW):
        s = socket.create_connection(server.addr, timeout=10)
        s.setblocking(False)
        conns[s] = {"opened": time.monotonic(), "sent": 0, "closed": None, "got": b"", "reset": False}
        sel.register(s, selectors.EVENT_READ)
    opened_all = time.monotonic()
    print(f"  {SLOW} slow connections open", flush=True)
    stop = threading.Event()
    latencies, errors = [], []
    threads = normal_clients(server.addr, stop, latencies, errors)
    peak_fds = common.fd_count(worker)

    next_trickle = time.monotonic()
    guard = opened_all + HEADER_TIMEOUT + 15
    while any(c["closed"] is None for c in conns.values()) and time.monotonic() < guard:
        now = time.monotonic()
        if now >= next_trickle:
            for s, c in conns.items():
                if c["closed"] is None and c["sent"] < len(REQUEST) - 4:
                    try:
                        s.send(REQUEST[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                    except OSError:
                        pass
            next_trickle += TRICKLE_EVERY
            peak_fds = max(peak_fds, common.fd_count(worker))
        for key, _ in sel.select(timeout=0.05):
            s, c = key.fileobj, conns[key.fileobj]
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                data, c["reset"] = b"", True
            if data:
                c["got"] += data
            else:
                c["closed"] = time.monotonic()
                sel.unregister(s)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    for s in conns:
        s.close()
    sel.close()

    lifetimes = [c["closed"] - c["opened"] for c in conns.values() if c["closed"] is not None]
    open_left = sum(1 for c in conns.values() if c["closed"] is None)
    got_408 = sum(1 for c in conns.values() if c["got"].startswith(b"HTTP/1.1 408"))
    check.measure("slow connections closed by the server", f"{len(lifetimes)} / {SLOW} "
                  f"({got_408} with a 408 first, {sum(c['reset'] for c in conns.values())} reset)",
                  f"{SLOW} / {SLOW}", open_left == 0)
    if lifetimes:
        low, high = min(lifetimes), max(lifetimes)
        check.measure("time from connect to close", f"min {low:.2f} s, median "
                      f"{statistics.median(lifetimes):.2f} s, max {high:.2f} s "
                      f"(bytes trickled per connection: {max(c['sent'] for c in conns.values())})",
                      f"{HEADER_TIMEOUT:.0f} s <= t <= {HEADER_TIMEOUT + 1.5:.1f} s",
                      low >= HEADER_TIMEOUT - 0.05 and high <= HEADER_TIMEOUT + 1.5)
    median = statistics.median(latencies) if latencies else float("inf")
    p99 = sorted(latencies)[int(len(latencies) * 0.99)] if latencies else float("inf")
    check.measure("normal clients meanwhile: median latency", f"{median:.2f} ms (p99 {p99:.2f} ms, "
                  f"{len(latencies)} requests, {len(errors)} errors)", "< 10 ms, 0 errors",
                  median < 10 and not errors)
    if errors:
        check.note(f"first normal-client error: {errors[0]}")
    check.note(f"worker fds peaked at {peak_fds} with the slow connections open")


def non_reader(check, server, worker, quick):
    base = server.stats()
    rss_before, _ = common.rss_kb(worker)
    conn = socket.create_connection(server.addr, timeout=10)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    conn.sendall(b"GET /big?mb=1024 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    samples = []
    produced = []
    for i in range(16):  # 8 s
        time.sleep(0.5)
        samples.append(common.rss_kb(worker)[0])
        if i in (7, 15):
            produced.append(server.stats()["produced"] - base["produced"])
    growth_kb = max(samples) - rss_before
    check.measure("worker RSS while a client leaves 1 GiB unread",
                  f"{growth_kb / 1024:+.1f} MiB ({common.mib(rss_before)} -> max {common.mib(max(samples))})",
                  "< +8 MiB", growth_kb < 8 * 1024)
    produced_mib = [p * 64 / 1024 for p in produced]
    check.measure("app output produced for the non-reader (at 4 s, at 8 s)",
                  f"{produced_mib[0]:.2f} MiB, {produced_mib[1]:.2f} MiB of 1024 MiB",
                  "stops (same at 4 s and 8 s), < 64 MiB",
                  produced[0] == produced[1] and produced_mib[1] < 64)
    if quick:
        conn.close()
        how = "client closed"
        wait = 10
    else:
        how = "dropped by the server's write timeout (30 s)"
        wait = 45
    started = time.monotonic()
    after = json.loads(common.get(server.addr, f"/stats?closed={base['closed'] + 1}&timeout={wait}",
                                  timeout=wait + 10).body)
    closed = after["closed"] - base["closed"]
    check.measure(f"close() of the unread body ({how})",
                  f"{closed} after {time.monotonic() - started:.1f} s", "1", closed == 1)
    if not quick:
        conn.close()


def main():
    args = common.arguments(__doc__).parse_args()
    check = common.Check("slow-clients", f"{SLOW} slowloris connections (1 byte / {TRICKLE_EVERY:.0f} s, "
                         f"--header-timeout {HEADER_TIMEOUT:.0f}) + 4 normal clients; "
                         "a client that never reads 1 GiB")
    server = common.Server(["--workers", "1", "--header-timeout", str(HEADER_TIMEOUT)], log_name="slow")
    worker = server.worker_pid()
    fds_idle = common.idle_fds(worker)
    slowloris(check, server, worker)
    non_reader(check, server, worker, args.quick)
    fds_end = common.settled_fds(worker, fds_idle)
    check.measure("worker open fds at the end", f"{fds_end} (idle baseline {fds_idle})", f"== {fds_idle}",
                  fds_end == fds_idle)
    server.stop()
    server.remove_log()
    return check.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())
