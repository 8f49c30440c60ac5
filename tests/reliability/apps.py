"""The application every reliability script serves (``apps:application``).

Every body this app returns is a ``Counted`` iterable whose ``close()`` is
counted, so a script can check that the server closed each one, whatever
happened to the request (normal end, exception, client gone).

=======================  =====================================================
``/hello``               13 bytes, Content-Length
``/pid``                 this process's pid (not counted)
``/upload``              reads ``wsgi.input`` to the end in 64 KiB blocks;
                         answers JSON: length, crc32, ``spooled`` (deleted
                         temporary files this process has open while the body
                         is read, beyond those it had at import: 1 when the
                         body was spooled to disk), and
                         this process's RSS and peak RSS in KiB
``/stream?n=N&size=S``   N chunks of S bytes (default 8 x 1024), no length:
                         chunked
``/big?mb=M``            M MiB in 64 KiB chunks (default 1024), for clients
                         that never read; counts the chunks produced
``/slow?ms=M``           sleeps M ms (default 50), then 200
``/error``               raises before ``start_response``
``/str``                 returns a ``str`` after ``start_response``
``/no-start``            returns a body without calling ``start_response``
``/gen-raise``           a generator: one chunk, then raises (headers sent)
``/exit?code=C``         ``os._exit(C)`` (default 1): the process vanishes
                         mid-request
``/stats``               (not counted) JSON: pid, calls, created, closed, produced (chunks of
                         ``/big``), rss_kb, hwm_kb, fds; ``?closed=N`` waits
                         (at most ``timeout`` s, default 10) until N bodies
                         are closed
=======================  =====================================================

A request with ``?id=X`` appends ``X`` to the file named by the environment
variable ``RELIABILITY_ENTRY_LOG`` when it enters the app (one ``os.write`` of
one line in append mode, so lines from several workers never mix): the
shutdown script uses it to know which requests the server accepted.
"""
import json
import os
import threading
import time
import zlib
from urllib.parse import parse_qs

changed = threading.Condition()
counters = {"calls": 0, "created": 0, "closed": 0, "produced": 0}

ENTRY_LOG = os.environ.get("RELIABILITY_ENTRY_LOG")
entry_fd = os.open(ENTRY_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if ENTRY_LOG else None

HELLO = b"Hello, world!"
BLOCK = 64 * 1024
BIG_CHUNK = b"b" * BLOCK


def count(name, n=1):
    with changed:
        counters[name] += n
        changed.notify_all()


class Counted:
    """An iterable over a generator, with a counted close()."""

    def __init__(self, generator):
        self.generator = generator
        self.closes = 0
        count("created")

    def __iter__(self):
        return self.generator

    def close(self):
        self.closes += 1
        self.generator.close()
        if self.closes == 1:
            count("closed")


def memory():
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def deleted_files_open():
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith("(deleted)") and not target.startswith(("/memfd:", "/dev/")):
            n += 1
    return n


# Deleted files this process already had (with --workers --timeout: the
# heartbeat file the master made): not spooled bodies.
DELETED_AT_IMPORT = deleted_files_open()


def answer(start_response, status, body, content_type="text/plain"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])

    def one():
        yield body
    return Counted(one())


def as_json(start_response, value):
    return answer(start_response, "200 OK", json.dumps(value).encode(), "application/json")


def stream(n, size):
    piece = b"s" * size
    for _ in range(n):
        yield piece


def big(mb):
    for _ in range(mb * 1024 * 1024 // BLOCK):
        count("produced")
        yield BIG_CHUNK


def gen_raise():
    yield b"partial\n"
    raise RuntimeError("raised half-way through the body (on purpose)")


def stats(query):
    want = int(query.get("closed", ["0"])[0])
    timeout = float(query.get("timeout", ["10"])[0])
    with changed:
        changed.wait_for(lambda: counters["closed"] >= want, timeout)
        value = dict(counters)
    value["rss_kb"], value["hwm_kb"] = memory()
    value["fds"] = len(os.listdir("/proc/self/fd"))
    value["pid"] = os.getpid()
    return value


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if entry_fd is not None and "id" in query:
        os.write(entry_fd, f"{query['id'][0]}\n".encode())
    # The two probes are not counted and return plain lists, so the counters
    # only describe the requests a script is measuring.
    if path == "/stats":
        body = json.dumps(stats(query)).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/pid":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(os.getpid()).encode()]
    count("calls")
    if path == "/hello":
        return answer(start_response, "200 OK", HELLO)
    if path == "/upload":
        stream_in = environ["wsgi.input"]
        length, crc, spooled = 0, 0, deleted_files_open() - DELETED_AT_IMPORT
        while True:
            data = stream_in.read(BLOCK)
            if not data:
                break
            length += len(data)
            crc = zlib.crc32(data, crc)
        rss, hwm = memory()
        return as_json(start_response, {"length": length, "crc32": crc, "spooled": spooled,
                                        "rss_kb": rss, "hwm_kb": hwm})
    if path == "/stream":
        n = int(query.get("n", ["8"])[0])
        size = int(query.get("size", ["1024"])[0])
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return Counted(stream(n, size))
    if path == "/big":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return Counted(big(int(query.get("mb", ["1024"])[0])))
    if path == "/slow":
        time.sleep(int(query.get("ms", ["50"])[0]) / 1000)
        return answer(start_response, "200 OK", b"slept")
    if path == "/error":
        raise RuntimeError("raised before start_response (on purpose)")
    if path == "/str":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return "a str is not a valid body"
    if path == "/no-start":
        return [b"never started"]
    if path == "/gen-raise":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Counted(gen_raise())
    if path == "/exit":
        os._exit(int(query.get("code", ["1"])[0]))
    return answer(start_response, "404 Not Found", b"not found\n")
