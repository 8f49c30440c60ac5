"""The ``write()`` callable that ``start_response`` returns.

Used by tests/tests/wsgi.rs.  ``write`` is the imperative API PEP 3333 keeps
for old frameworks: bytes passed to it are sent before anything the returned
iterable yields.

=========================  ============================================
``/write-only``            writes ``b"hello "`` and ``b"world\\n"``,
                           returns ``[]``
``/write-then-list``       writes ``b"a"``, returns ``[b"b", b"c\\n"]``
``/write-then-generator``  writes ``b"a"``, yields ``b"b"``, ``b"c\\n"``
``/write-with-length``     says Content-Length 12, writes
                           ``b"hello "`` and ``b"world\\n"``, returns ``[]``
``/write-str``             calls ``write("text")``: the server must
                           refuse a ``str`` (TypeError, so a 500)
=========================  ============================================
"""

TEXT = ("Content-Type", "text/plain")


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/write-with-length":
        write = start_response("200 OK", [TEXT, ("Content-Length", "12")])
        write(b"hello ")
        write(b"world\n")
        return []
    write = start_response("200 OK", [TEXT])
    if path == "/write-only":
        write(b"hello ")
        write(b"world\n")
        return []
    if path == "/write-then-list":
        write(b"a")
        return [b"b", b"c\n"]
    if path == "/write-then-generator":
        write(b"a")
        return (item for item in (b"b", b"c\n"))
    if path == "/write-str":
        write("text")
        return []
    raise LookupError(path)
