"""Disconnects: clients that vanish mid-request and mid-response.

Eight client threads repeat each way of vanishing (a FIN, or an RST with
SO_LINGER 0) many times against one worker:

- mid-request: half a request head; a Content-Length body cut after 100 KiB of
  1 MiB; a chunked body cut after a few chunks. These never reach the app.
- mid-response: a 64 MiB streamed body read for 100 KiB; a request sent and
  the socket closed at once (the app may or may not have started); a 200 ms
  request closed while the app runs; a keep-alive connection that vanishes in
  its second request.

Pass: the app was never called for the cut requests; every body the app
returned was closed (the app counts close()); the worker's open fds are back
to the idle baseline; its RSS after the last round is within 5% of its RSS
after as many warm-up rounds (a leak of 1 KiB per client would add 4.4 MiB,
about 25%, in the full run), each read after the server has been idle long
enough to give free memory back; a normal request afterwards works.
"""
import json
import socket
import threading
import time

import common

THREADS = 8
ROUND = 10


def vanish(conn, rst):
    if rst:
        conn.reset()
    else:
        conn.close()


def half_head(addr, rst):
    c = common.Conn(addr)
    c.send(b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
    vanish(c, rst)


def cut_body(addr, rst):
    c = common.Conn(addr)
    c.send(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n" + b"u" * 102400)
    vanish(c, rst)


def cut_chunked(addr, rst):
    c = common.Conn(addr)
    c.send(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
           + b"4000\r\n" + b"c" * 0x4000 + b"\r\n" + b"4000\r\n" + b"c" * 100)
    vanish(c, rst)


def mid_stream(addr, rst):
    c = common.Conn(addr)
    c.send(b"GET /big?mb=64 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    got = 0
    while got < 102400:
        data = c.sock.recv(65536)
        if not data:
            raise RuntimeError("the server closed a streamed response early")
        got += len(data)
    vanish(c, rst)


def sent_then_gone(addr, rst):
    c = common.Conn(addr)
    c.send(b"GET /stream?n=1000&size=65536 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    vanish(c, rst)


def gone_while_app_runs(addr, rst):
    c = common.Conn(addr)
    c.send(b"GET /slow?ms=200 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    time.sleep(0.05)
    vanish(c, rst)


def second_request_gone(addr, rst):
    c = common.Conn(addr)
    response = c.request("GET", "/hello")
    if response.body != b"Hello, world!":
        raise RuntimeError(f"bad first response {response.status}")
    c.send(b"GET /stream?n=200&size=65536 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    c.sock.recv(1000)
    vanish(c, rst)


MID_REQUEST = [("half a head", half_head), ("body cut (Content-Length)", cut_body),
               ("body cut (chunked)", cut_chunked)]
MID_RESPONSE = [("streamed body read 100 KiB", mid_stream), ("request sent, gone at once", sent_then_gone),
                ("gone while the app runs (200 ms)", gone_while_app_runs),
                ("gone in the 2nd keep-alive request", second_request_gone)]


def hammer(addr, cases, repeat, errors):
    def run(offset):
        for i in range(repeat):
            for j, (name, fn) in enumerate(cases):
                try:
                    fn(addr, rst=(i + j + offset) % 2 == 1)
                except Exception as e:  # a client-side surprise is a failure, reported
                    errors.append(f"{name}: {e!r}")
    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)


# The server gives the C allocator's free pages back after a second without
# a new request; RSS is read once that has happened, so that it shows what
# stays (a leak) rather than where the allocator happened to be mid-burst.
IDLE_FOR_TRIM = 2.2


def idle_rss(worker):
    time.sleep(IDLE_FOR_TRIM)
    return common.rss_kb(worker)[0]


def all_closed(server):
    """/stats once every body the app returned is closed and no call is
    still running (stable for 0.3 s; at most 20 s)."""
    deadline = time.monotonic() + 20
    last = None
    while time.monotonic() < deadline:
        stats = server.stats()
        if stats["closed"] == stats["created"] and stats == last:
            return stats
        last = stats
        time.sleep(0.3)
    return stats


def main():
    args = common.arguments(__doc__).parse_args()
    rounds = 2 if args.quick else 8
    per_round = THREADS * ROUND * (len(MID_REQUEST) + len(MID_RESPONSE))
    check = common.Check("disconnects", f"{rounds} rounds (after {rounds} warm-up rounds) of {THREADS} threads "
                         f"x {ROUND} x each of the {len(MID_REQUEST) + len(MID_RESPONSE)} ways to vanish (FIN and "
                         f"RST alternate): {per_round} clients per round, one worker")
    server = common.Server(["--workers", "1"], log_name="disconnects")
    worker = server.worker_pid()
    fds_idle = common.idle_fds(worker)
    errors = []
    # Warm-up: as many rounds as are measured (threads, buffers and the
    # allocators reach their working size; RSS creeps up for a while, more
    # slowly each round, as malloc arenas fill).
    warm = []
    for _ in range(rounds):
        hammer(server.addr, MID_REQUEST + MID_RESPONSE, ROUND, errors)
        all_closed(server)
        warm.append(idle_rss(worker))
    base = all_closed(server)
    common.settled_fds(worker, fds_idle)
    rss = [idle_rss(worker)]

    n_request = n_response = 0
    calls_cut = 0
    for _ in range(rounds):
        before = server.stats()["calls"]
        hammer(server.addr, MID_REQUEST, ROUND, errors)
        time.sleep(0.3)
        calls_cut += server.stats()["calls"] - before
        n_request += THREADS * ROUND * len(MID_REQUEST)
        hammer(server.addr, MID_RESPONSE, ROUND, errors)
        n_response += THREADS * ROUND * len(MID_RESPONSE)
        stats = all_closed(server)
        common.settled_fds(worker, fds_idle)
        rss.append(idle_rss(worker))

    check.measure("app calls for requests cut before their end", f"{calls_cut} of {n_request} cut requests",
                  "0", calls_cut == 0)
    created, closed = stats["created"] - base["created"], stats["closed"] - base["closed"]
    check.measure("bodies closed / bodies returned", f"{closed} / {created} "
                  f"(for {n_response} clients vanishing mid-response)",
                  "all", closed == created and stats["closed"] == stats["created"] and created > 0)
    check.measure("client-side errors", f"{len(errors)}" + (f" (first: {errors[0]})" if errors else ""),
                  "0", not errors)
    fds_end = common.settled_fds(worker, fds_idle, timeout=15)
    check.measure("worker open fds afterwards", f"{fds_end} (idle baseline {fds_idle})", f"== {fds_idle}",
                  fds_end == fds_idle)
    growth = (rss[-1] - rss[0]) / rss[0] * 100
    check.measure(f"worker RSS after {rounds} warm-up rounds vs after {rounds} more", f"{growth:+.1f}% "
                  f"(MiB after each warm-up round: {', '.join(f'{r / 1024:.1f}' for r in warm)}; "
                  f"after each measured round: {', '.join(f'{r / 1024:.1f}' for r in rss[1:])})",
                  "< 5%", growth < 5)
    response = common.get(server.addr, "/hello")
    check.measure("a normal request afterwards", f"{response.status} {response.body.decode()}",
                  "200 Hello, world!", response.body == b"Hello, world!")
    check.measure("same worker throughout", "yes" if server.worker_pid() == worker else "replaced",
                  "yes", server.worker_pid() == worker)
    server.stop()
    server.remove_log()
    return check.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())
