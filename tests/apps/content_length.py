"""Responses whose Content-Length does not match their body.

Used by tests/tests/wsgi.rs: the server obeys the app's Content-Length.
Extra bytes are cut off (and logged) so the next response on a keep-alive
connection is not corrupted; a body shorter than announced closes the
connection so the client can tell it is incomplete.

===============  ===================================================
``/list-long``   says 5, returns ``[b"0123456789"]`` (one list item)
``/gen-long``    says 5, yields ``b"012"`` then ``b"3456789"``
``/list-short``  says 10, returns ``[b"01234"]``
``/gen-short``   says 10, yields ``b"012"`` then ``b"34"``
``/exact``       says 5, returns ``[b"01234"]``
===============  ===================================================
"""

ROUTES = {
    "/list-long": ("5", [b"0123456789"]),
    "/gen-long": ("5", (b"012", b"3456789")),
    "/list-short": ("10", [b"01234"]),
    "/gen-short": ("10", (b"012", b"34")),
    "/exact": ("5", [b"01234"]),
}


def application(environ, start_response):
    length, items = ROUTES[environ["PATH_INFO"]]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", length)])
    if isinstance(items, tuple):
        return (item for item in items)  # a generator: the streaming path
    return list(items)
