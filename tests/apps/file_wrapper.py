"""Responses sent through ``environ["wsgi.file_wrapper"]``.

Used by tests/tests/wsgi.rs.  The body of every response is ``size`` bytes
(``?size=``, default 100000) where byte ``i`` is ``i % 251``.

======================  ===================================================
``/file``               a real file (``tempfile.TemporaryFile``), no
                        Content-Length: ``file_wrapper(f, block)`` with
                        ``?block=`` (default: the wrapper's own default)
``/file-with-length``   the same with a Content-Length (the case a server
                        may send with ``sendfile``)
``/bytesio``            an ``io.BytesIO``: a file-like object, not a file
``/stats``              ``{"closed": [...]}``: whether each wrapped object
                        was closed, in creation order; ``?closed=N`` waits
                        (at most 10 s) until N of them are
======================  ===================================================

The wrapper's ``close()`` must close the wrapped object, and the server must
call it, exactly as for any other iterable.
"""

import io
import json
import tempfile
import threading
from urllib.parse import parse_qs

changed = threading.Condition()
wrapped = []


def content(size):
    return bytes(i % 251 for i in range(size))


class Tracked:
    """Forwards to a file-like object; tells ``/stats`` when it is closed."""

    def __init__(self, inner):
        self.inner = inner
        self.closed = False
        with changed:
            wrapped.append(self)

    def read(self, *args):
        return self.inner.read(*args)

    def fileno(self):
        return self.inner.fileno()

    def close(self):
        self.inner.close()
        with changed:
            self.closed = True
            changed.notify_all()


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if path == "/stats":
        want = int(query.get("closed", ["0"])[0])
        with changed:
            changed.wait_for(lambda: sum(t.closed for t in wrapped) >= want, 10)
            data = json.dumps({"closed": [t.closed for t in wrapped]}).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(data)))])
        return [data]

    size = int(query.get("size", ["100000"])[0])
    headers = [("Content-Type", "application/octet-stream")]
    if path == "/bytesio":
        source = io.BytesIO(content(size))
    else:
        source = tempfile.TemporaryFile()
        source.write(content(size))
        source.seek(0)
        if path == "/file-with-length":
            headers.append(("Content-Length", str(size)))
    start_response("200 OK", headers)
    wrapper = environ["wsgi.file_wrapper"]
    if "block" in query:
        return wrapper(Tracked(source), int(query["block"][0]))
    return wrapper(Tracked(source))
