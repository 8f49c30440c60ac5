"""The smallest useful WSGI application.

What it teaches
---------------
A WSGI application is nothing more than a callable that takes two arguments:

* ``environ`` -- a plain ``dict`` describing the request (CGI-style keys such
  as ``REQUEST_METHOD`` and ``PATH_INFO`` plus ``wsgi.*`` keys), and
* ``start_response`` -- a function the server hands in; the application calls
  it once with a status line and a list of ``(name, value)`` header tuples.

The callable then returns an *iterable of bytes*: the response body.  Here it
is a one-element list.  Every request, whatever its method or path, gets the
same 14-byte answer ``Hello, World!`` followed by a newline.

How to run it
-------------
Under this project's server, from inside ``python-examples/``::

    wsgi-server hello:application

Directly, with the standard library's reference server (``wsgiref``)::

    python3 hello.py              # listens on 127.0.0.1:8000
    PORT=8080 python3 hello.py    # pick another port

Then ``curl -i http://127.0.0.1:8000/``.
"""

import os

BODY = b"Hello, World!\n"


def application(environ, start_response):
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        # We know the body up front, so we can tell the client its length.
        ("Content-Length", str(len(BODY))),
    ]
    start_response("200 OK", headers)
    # A list of bytes objects: never a bare bytes/str, or the server would
    # send it one byte (or one character) at a time.
    return [BODY]


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving hello on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
