"""Applications that fail, one way per path; ``/ok`` works.

Used by tests/tests/wsgi.rs.  Each fault must give a ``500`` with a short
body when nothing was sent yet, or an aborted connection (never a "500"
inside a body) when the headers already went out, a log line naming the
problem, and the server must go on serving (``/ok``).

==========================  ================================================
``/ok``                     ``200`` ``b"ok\\n"``
``/raise-before``           raises before calling ``start_response``
``/raise-after-start``      calls ``start_response``, then raises (nothing
                            was sent yet)
``/raise-after-headers``    yields ``b"partial\\n"``, then raises
``/return-str``             returns a ``str``
``/return-bytes``           returns a bare ``bytes``
``/yield-str``              a generator that yields a ``str``
``/list-with-str``          returns ``["text"]``
``/non-iterable``           returns ``42``
``/no-start-response``      returns ``[b"body"]`` without calling
                            ``start_response``
``/no-start-response-gen``  a generator that yields without calling it
``/no-start-response-empty``  returns ``[]`` without calling it
==========================  ================================================
"""

TEXT = ("Content-Type", "text/plain")


class AppError(Exception):
    pass


def raise_after_headers(start_response):
    start_response("200 OK", [TEXT])
    yield b"partial\n"
    raise AppError("raised after the headers were sent")


def yield_str(start_response):
    start_response("200 OK", [TEXT])
    yield "text"


def no_start_response_gen():
    yield b"body"


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/ok":
        start_response("200 OK", [TEXT, ("Content-Length", "3")])
        return [b"ok\n"]
    if path == "/raise-before":
        raise AppError("raised before start_response")
    if path == "/raise-after-start":
        start_response("200 OK", [TEXT])
        raise AppError("raised after start_response")
    if path == "/raise-after-headers":
        return raise_after_headers(start_response)
    if path == "/yield-str":
        return yield_str(start_response)
    if path == "/no-start-response":
        return [b"body"]
    if path == "/no-start-response-gen":
        return no_start_response_gen()
    if path == "/no-start-response-empty":
        return []
    start_response("200 OK", [TEXT])
    if path == "/return-str":
        return "text"
    if path == "/return-bytes":
        return b"text"
    if path == "/list-with-str":
        return ["text"]
    if path == "/non-iterable":
        return 42
    raise LookupError(path)
