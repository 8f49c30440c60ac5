"""A clock written against raw WSGI, with no library at all.

What it teaches
---------------
Without a framework, the application does its own "routing" by reading
``environ`` directly:

* a method other than ``GET`` gets ``501 Not Implemented``;
* a path other than ``/`` gets ``404 Not Found``;
* ``GET /`` gets the server's local time from ``time.ctime()``.

Compare it with ``webob_app.py`` and ``werkzeug_app.py``, which give the same
answers through request/response objects.

Note that ``PATH_INFO`` never contains the query string (that lives in
``QUERY_STRING``), so there is nothing to split off: ``/?x=1`` is still ``/``.

How to run it
-------------
Under this project's server, from inside ``python-examples/``::

    wsgi-server clock:application

Directly::

    python3 clock.py                  # 127.0.0.1:8000, or set PORT

Then ``curl -i http://127.0.0.1:8000/``, ``curl -i http://127.0.0.1:8000/x``
and ``curl -i -X POST http://127.0.0.1:8000/``.
"""

import os
import time

# A version of this clock that circulates in tutorials also answers 404 unless
# the Host header is 127.0.0.1.  We deliberately leave that check out: as soon
# as the app runs behind a reverse proxy, or is reached as "localhost" or by
# the machine's real name, the Host differs and every request would be a 404.
# Deciding which host names to serve is the job of the front server (or of a
# framework setting such as Django's ALLOWED_HOSTS), not of the clock.


def _reply(start_response, status, text):
    body = text.encode("utf-8")
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def application(environ, start_response):
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "") or "/"
    if method != "GET":
        return _reply(start_response, "501 Not Implemented", "501 Not Implemented\n")
    if path != "/":
        return _reply(start_response, "404 Not Found", "404 Not Found\n")
    return _reply(start_response, "200 OK", time.ctime() + "\n")


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving clock on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
