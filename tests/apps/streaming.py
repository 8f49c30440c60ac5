"""A response that streams: the generator waits between chunks.

Used by tests/tests/wsgi.rs to show that a generator's chunks leave as they
are produced, not when the generator ends, and that the server keeps
serving other requests while an application thread is blocked.

``GET /stream`` yields ``b"first\\n"``, then blocks on a ``threading.Event``
until another request, ``GET /release``, sets it; then yields
``b"second\\n"`` and ``b"third\\n"``.  The wait is bounded (10 s): after it
the generator yields ``b"never released\\n"`` instead, so a broken server
makes the test fail, not hang.
"""

import threading

released = threading.Event()


def gated():
    yield b"first\n"
    if not released.wait(10):
        yield b"never released\n"
        return
    yield b"second\n"
    yield b"third\n"


def application(environ, start_response):
    if environ["PATH_INFO"] == "/release":
        released.set()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"released\n"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return gated()
