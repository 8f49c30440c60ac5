"""A routing middleware: one WSGI callable that hands requests to others.

What it teaches
---------------
WSGI has three roles: the *server* calls an *application*, and a
*middleware* sits in between, looking like an application to the server and
like a server to the applications it wraps.  ``Dispatcher`` is such a
middleware.  It reads ``PATH_INFO`` and passes the request on to whichever
application is registered for the path's prefix:

==============  ===========  =============================================
request path    application  answer
==============  ===========  =============================================
``/hi/...``     say_hi       a greeting that shows where it was mounted
``/hello/...``  say_hello    ``Hello, <name>!`` from ``?name=``, or
                             ``Hello, stranger!``
anything else   not_found    ``404`` ``Page does not exist``
==============  ===========  =============================================

When it forwards a request, a well-behaved dispatcher *moves* the matched
prefix from ``PATH_INFO`` to the end of ``SCRIPT_NAME``: for
``GET /hi/there`` the inner app sees ``SCRIPT_NAME='/hi'`` and
``PATH_INFO='/there'``.  The inner app can then route on its own path
without knowing where it was mounted, and still rebuild full URLs from
``SCRIPT_NAME + PATH_INFO``.  The environ is copied first, so the caller's
dictionary is never changed.

A prefix ends with ``/``, so ``/hi`` (no trailing slash) does not match
``hi/`` and is a 404; ``/hi/`` does.

How to run it
-------------
Under this project's server, from inside ``python-examples/``::

    wsgi-server dispatcher:application

Directly::

    python3 dispatcher.py             # 127.0.0.1:8000, or set PORT

Then ``curl http://127.0.0.1:8000/hi/``,
``curl 'http://127.0.0.1:8000/hello/?name=Ada'`` and
``curl -i http://127.0.0.1:8000/nowhere``.
"""

import os
from urllib.parse import parse_qs

# (path prefix, name of the application in this module), tried in order.
URL_PATTERNS = (
    ("hi/", "say_hi"),
    ("hello/", "say_hello"),
)


def _text(start_response, status, text):
    body = text.encode("utf-8")
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def say_hi(environ, start_response):
    return _text(
        start_response,
        "200 OK",
        "Hi!\n"
        f"(mounted at SCRIPT_NAME={environ['SCRIPT_NAME']!r}, "
        f"asked for PATH_INFO={environ['PATH_INFO']!r})\n",
    )


def say_hello(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    name = query.get("name", ["stranger"])[-1]
    return _text(start_response, "200 OK", f"Hello, {name}!\n")


def not_found(environ, start_response):
    return _text(start_response, "404 Not Found", "Page does not exist\n")


class Dispatcher:
    """Route each request to the app whose prefix starts its PATH_INFO.

    ``patterns`` is a sequence of ``(prefix, app_name)`` pairs; each name is
    looked up in ``apps`` (by default this module's globals) when the
    dispatcher is built, so a typo fails at start-up, not on the first
    request.  ``fallback`` answers when no prefix matches.
    """

    def __init__(self, patterns, apps=None, fallback=not_found):
        namespace = globals() if apps is None else apps
        self.routes = [(prefix, namespace[name]) for prefix, name in patterns]
        self.fallback = fallback

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        # PATH_INFO starts with "/"; the prefixes are written without it.
        relative = path[1:] if path.startswith("/") else path
        for prefix, app in self.routes:
            if relative.startswith(prefix):
                inner = dict(environ)
                # "hi/" + "there" -> SCRIPT_NAME += "/hi", PATH_INFO = "/there"
                mount = "/" + prefix.rstrip("/")
                inner["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + mount
                inner["PATH_INFO"] = path[len(mount):]
                return app(inner, start_response)
        return self.fallback(environ, start_response)


application = Dispatcher(URL_PATTERNS)


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving dispatcher on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
