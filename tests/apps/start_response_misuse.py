"""Calls to start_response that PEP 3333 forbids, and its exc_info protocol.

Used by tests/tests/wsgi.rs.

``/twice``
    calls ``start_response`` a second time without ``exc_info``; the server
    must raise.  The app catches it and answers ``200`` with
    ``"<ExceptionType>: <message>"`` as the body, under the first headers.
``/exc-before-headers``
    ``start_response("200 OK", [X-First])``, then, before any body, calls it
    again with ``exc_info`` (a caught ``ValueError``) and
    ``"503 Service Unavailable"``, ``[X-Second]``: the new status and headers
    replace the old ones.  Body ``b"replaced\\n"``.
``/exc-after-headers``
    yields ``b"sent\\n"`` (the headers go out), then calls
    ``start_response`` with ``exc_info``: the server must re-raise that very
    exception.  The app catches it and yields
    ``"reraised <type> same=<is it the same exception object>\\n"``.
``/header?name=N&value=V``
    ``start_response("200 OK", [(N, V)])`` with the name and value from the
    query string (percent-decoded, so ``%0D%0A`` is CR LF).
``/non-str-value``, ``/non-str-name``, ``/bytes-value``
    a header value that is an ``int``, a name that is ``bytes``, a value
    that is ``bytes``.
``/status?s=S``
    ``start_response(S, [])``.
``/not-a-tuple``
    a header given as a list ``["X-A", "b"]`` instead of a tuple.

Every request that gets past ``start_response`` answers ``b"ok\\n"``.
"""

import sys
from urllib.parse import parse_qs

TEXT = ("Content-Type", "text/plain")


def twice(environ, start_response):
    start_response("200 OK", [TEXT, ("X-Call", "first")])
    try:
        start_response("404 Not Found", [TEXT, ("X-Call", "second")])
    except Exception as error:  # the server must refuse the second call
        return [f"{type(error).__name__}: {error}\n".encode()]
    return [b"the second call was accepted\n"]


def exc_before_headers(environ, start_response):
    start_response("200 OK", [TEXT, ("X-First", "1")])
    try:
        raise ValueError("changed my mind")
    except ValueError:
        start_response("503 Service Unavailable", [TEXT, ("X-Second", "1")], sys.exc_info())
    return [b"replaced\n"]


def exc_after_headers(environ, start_response):
    start_response("200 OK", [TEXT])
    yield b"sent\n"
    try:
        raise ValueError("too late")
    except ValueError:
        info = sys.exc_info()
    try:
        start_response("500 Internal Server Error", [TEXT], info)
    except BaseException as error:
        yield f"reraised {type(error).__name__} same={error is info[1]}\n".encode()
        return
    yield b"start_response accepted exc_info after the headers were sent\n"


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if path == "/twice":
        return twice(environ, start_response)
    if path == "/exc-before-headers":
        return exc_before_headers(environ, start_response)
    if path == "/exc-after-headers":
        return exc_after_headers(environ, start_response)
    if path == "/header":
        headers = [(query["name"][0], query["value"][0])]
    elif path == "/non-str-value":
        headers = [("X-Number", 42)]
    elif path == "/non-str-name":
        headers = [(b"X-Bytes", "value")]
    elif path == "/bytes-value":
        headers = [("X-Bytes", b"value")]
    elif path == "/not-a-tuple":
        headers = [["X-A", "b"]]
    elif path == "/status":
        start_response(query["s"][0], [TEXT])
        return [b"ok\n"]
    else:
        headers = []
    start_response("200 OK", [TEXT] + headers)
    return [b"ok\n"]
