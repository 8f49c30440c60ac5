"""Count application calls and ``close()`` calls, so a test can check them.

Used by tests/tests/wsgi.rs: ``close()`` of the returned iterable must be
called exactly once whatever happens (normal end, exception, HEAD, client
gone), and a request refused by the server (413) never reaches the app.

Every path except ``/stats`` counts as one application call and answers
with a ``Body`` iterable whose ``close()`` is counted per body:

===================  ===================================================
``/normal``          ``b"one\\n"``, ``b"two\\n"``, then the end
``/raise-first``     raises ``RuntimeError`` at the first item (nothing
                     sent yet: the client gets a 500)
``/raise-mid``       ``b"one\\n"`` then raises (headers are out: the
                     connection is aborted)
``/endless?n=N``     N chunks of 64 KiB (default 1024, 64 MiB): for a
                     client that stops reading or disconnects
anything else        same as ``/normal``
===================  ===================================================

``/stats`` answers ``{"calls": n, "closes": [c0, c1, ...], "produced": k}``:
the number of app calls, each body's ``close()`` count in creation order,
and how many chunks ``/endless`` bodies produced in all.  Two optional
waits, each on a condition variable and bounded by ``timeout`` (seconds,
default 10), make it answer only once something happened:
``?closed=N`` waits until N bodies are closed, ``?produced=K`` until K
chunks were produced (used to show that production stops, so it may time
out on purpose: ``"timed_out": true`` then says so).
"""

import json
import threading
from urllib.parse import parse_qs

changed = threading.Condition()
calls = 0
bodies = []  # every Body, in creation order
produced = 0

CHUNK = b"x" * 65536


class Body:
    """An iterable with a counted close()."""

    def __init__(self, kind, count=0):
        self.kind = kind
        self.count = count
        self.closes = 0
        with changed:
            bodies.append(self)

    def __iter__(self):
        return self.items()

    def items(self):
        global produced
        if self.kind == "raise-first":
            raise RuntimeError("raised before the first item")
        if self.kind == "endless":
            for _ in range(self.count):
                with changed:
                    produced += 1
                    changed.notify_all()
                yield CHUNK
            return
        yield b"one\n"
        if self.kind == "raise-mid":
            raise RuntimeError("raised after the first item was sent")
        yield b"two\n"

    def close(self):
        with changed:
            self.closes += 1
            changed.notify_all()


def stats(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    timeout = float(query.get("timeout", ["10"])[0])
    closed = int(query.get("closed", ["0"])[0])
    want = int(query.get("produced", ["0"])[0])
    with changed:
        ready = changed.wait_for(
            lambda: sum(1 for b in bodies if b.closes) >= closed and produced >= want,
            timeout,
        )
        answer = {
            "calls": calls,
            "closes": [b.closes for b in bodies],
            "produced": produced,
            "timed_out": not ready,
        }
    data = json.dumps(answer).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


def application(environ, start_response):
    global calls
    path = environ["PATH_INFO"]
    if path == "/stats":
        return stats(environ, start_response)
    with changed:
        calls += 1
        changed.notify_all()
    kind = path.strip("/")
    if kind == "endless":
        n = int(parse_qs(environ.get("QUERY_STRING", "")).get("n", ["1024"])[0])
        body = Body("endless", n)
    elif kind in ("raise-first", "raise-mid"):
        body = Body(kind)
    else:
        body = Body("normal")
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return body
