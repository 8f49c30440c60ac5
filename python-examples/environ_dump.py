"""Show the ``environ`` dictionary a WSGI server builds for each request.

What it teaches
---------------
Everything an application knows about a request arrives in ``environ``: the
method, the path split into ``SCRIPT_NAME`` and ``PATH_INFO``, the query
string, every request header as an ``HTTP_*`` key (except ``CONTENT_TYPE`` and
``CONTENT_LENGTH``, which have no prefix), and the ``wsgi.*`` keys such as
``wsgi.input`` (the body stream) and ``wsgi.url_scheme``.  This app sends the
whole dictionary back, pretty-printed with ``pprint.pformat``, so you can
compare what different servers (ours, ``wsgiref``, Gunicorn...) put in it.

The text is encoded as UTF-8 with ``errors="replace"``: PEP 3333 says
environ strings carry the raw request bytes decoded as latin-1, so a dump must
never crash on an odd character.

How to run it
-------------
Under this project's server, from inside ``python-examples/``::

    wsgi-server environ_dump:application

Directly::

    python3 environ_dump.py           # 127.0.0.1:8000, or set PORT

Then try ``curl 'http://127.0.0.1:8000/some/path?x=1' -H 'X-Demo: yes'`` and
look for ``PATH_INFO``, ``QUERY_STRING`` and ``HTTP_X_DEMO``.
"""

import os
from pprint import pformat


def application(environ, start_response):
    text = "The WSGI environ of this request:\n\n" + pformat(environ) + "\n"
    body = text.encode("utf-8", errors="replace")
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving environ_dump on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
