"""An app that changes its mind after yielding an empty string.

Used by tests/tests/wsgi.rs.  PEP 3333: the server must not send the
headers before the first *non-empty* body chunk, so an application may
yield ``b""`` and still replace its status with ``start_response(...,
exc_info)``.

``/``
    ``start_response("200 OK", [X-Phase: first])``, yields ``b""``, then
    catches a ``RuntimeError`` and calls ``start_response("500 Internal
    Server Error", [X-Phase: second], exc_info)``, and yields
    ``b"second thoughts\\n"``.  The client must see only the 500.
``/empty-chunks``
    yields ``b""``, ``b""``, ``b"data\\n"``, ``b""``: a 200 with ``data``.
``/only-empty``
    yields ``b""`` twice and ends: a 200 with an empty body.
"""

import sys

TEXT = ("Content-Type", "text/plain")


def changes_its_mind(start_response):
    start_response("200 OK", [TEXT, ("X-Phase", "first")])
    yield b""
    try:
        raise RuntimeError("not so fast")
    except RuntimeError:
        start_response("500 Internal Server Error", [TEXT, ("X-Phase", "second")], sys.exc_info())
    yield b"second thoughts\n"


def items(start_response, chunks):
    start_response("200 OK", [TEXT])
    yield from chunks


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/empty-chunks":
        return items(start_response, [b"", b"", b"data\n", b""])
    if path == "/only-empty":
        return items(start_response, [b"", b""])
    return changes_its_mind(start_response)
