"""The clock, and then the "framework contract", written with WebOb.

What it teaches
---------------
WebOb (the request/response layer of Pyramid) wraps ``environ`` in a
``Request`` and lets you build a ``Response`` that is itself a WSGI
application: ``return response(environ, start_response)``.  Everything else
-- routing, error pages, logging failures -- is ours to write, which makes
this file a small picture of what a framework does:

* a dictionary maps each path to the methods it accepts and a view;
* an unknown path becomes ``HTTPNotFound``, a wrong method
  ``HTTPMethodNotAllowed`` (the ``webob.exc`` classes are responses too);
* any other exception is written to ``wsgi.errors`` and answered with a
  bare ``500``, as a framework does with debug off.

First, the clock (the same answers as ``clock.py``):

* ``GET /``  -> ``time.ctime()``;
* ``/`` with any other method -> ``501 Not Implemented``;
* an unknown path -> ``404``.

Then the routes shared with ``flask_app``, ``bottle_app``, ``django_app``
and ``werkzeug_app`` (a known path with the wrong method answers 405):

=======================  ===================================================
``GET /query``           ``{"name": ..., "tags": [...]}`` from ``?name=&tag=``
``POST /form``           ``{"fields": {name: [values...]}}`` (urlencoded)
``POST /json``           ``{"received": <parsed body>}``; 400 if not JSON
``POST /upload``         multipart with ``file`` (and optional ``note``):
                         ``{"filename", "size", "sha256", "note"}``;
                         400 if there is no ``file`` part
``GET /redirect``        302 to ``/query?name=redirected`` (WebOb makes the
                         ``Location`` absolute: ``http://host/query?...``)
``GET /cookie/set``      sets ``flavour=oatmeal; Path=/``
``GET /cookie/get``      ``{"flavour": <cookie or null>}``
``GET /stream``          ``chunk 0`` .. ``chunk 4``: a generator as app_iter
``GET /error``           raises ``RuntimeError("boom")`` -> 500
=======================  ===================================================

How to run it
-------------
Install the requirements first (``pip install -r requirements.txt``).
Under this project's server, from inside ``python-examples/``::

    wsgi-server webob_app:application

Directly::

    python3 webob_app.py              # 127.0.0.1:8000, or set PORT
"""

import hashlib
import json
import os
import time
import traceback

from webob import Request, Response
from webob import exc


def json_response(data, status=200):
    return Response(json_body=data, status=status)


# --------------------------------------------------------------------- views
# Each view takes the Request and returns a Response (or raises a webob.exc).


def clock(request):
    return Response(time.ctime() + "\n", content_type="text/plain", charset="utf-8")


def query(request):
    return json_response({
        "name": request.GET.get("name", "world"),
        "tags": request.GET.getall("tag"),
    })


def form(request):
    return json_response({"fields": request.POST.dict_of_lists()})


def json_echo(request):
    try:
        data = json.loads(request.body)
    except ValueError:
        return json_response({"error": "invalid JSON"}, status=400)
    return json_response({"received": data})


def upload(request):
    upload = request.POST.get("file")
    # A file part is a FieldStorage-like object; a plain text field named
    # "file" would be a str, which we treat as "no file" too.
    if upload is None or not hasattr(upload, "file"):
        return json_response({"error": "no file part named 'file'"}, status=400)
    digest = hashlib.sha256()
    size = 0
    # The stdlib cgi.FieldStorage that WebOb uses spools uploads to a
    # temporary file and never closes it: close it ourselves when done.
    with upload.file:
        for chunk in iter(lambda: upload.file.read(64 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    return json_response({
        "filename": upload.filename,
        "size": size,
        "sha256": digest.hexdigest(),
        "note": request.POST.get("note"),
    })


def go_elsewhere(request):
    return exc.HTTPFound(location="/query?name=redirected")


def cookie_set(request):
    response = Response("cookie flavour=oatmeal set\n", content_type="text/plain", charset="utf-8")
    response.set_cookie("flavour", "oatmeal", path="/")
    return response


def cookie_get(request):
    return json_response({"flavour": request.cookies.get("flavour")})


def stream(request):
    def generate():
        for i in range(5):
            yield f"chunk {i}\n".encode("utf-8")

    # app_iter is handed to the server as is: each item is sent as produced.
    return Response(app_iter=generate(), content_type="text/plain", charset="utf-8")


def error(request):
    raise RuntimeError("boom")


GET = {"GET", "HEAD"}
POST = {"POST"}

# path -> (accepted methods, view)
ROUTES = {
    "/": ({"GET"}, clock),
    "/query": (GET, query),
    "/form": (POST, form),
    "/json": (POST, json_echo),
    "/upload": (POST, upload),
    "/redirect": (GET, go_elsewhere),
    "/cookie/set": (GET, cookie_set),
    "/cookie/get": (GET, cookie_get),
    "/stream": (GET, stream),
    "/error": (GET, error),
}


def dispatch(request):
    route = ROUTES.get(request.path_info)
    if route is None:
        return exc.HTTPNotFound()
    methods, view = route
    if request.method not in methods:
        if view is clock:
            # The clock's rule, as in clock.py: any method but GET is 501.
            return exc.HTTPNotImplemented()
        return exc.HTTPMethodNotAllowed(headers={"Allow": ", ".join(sorted(methods))})
    try:
        return view(request)
    except exc.HTTPException as http_error:
        return http_error
    except Exception:
        request.environ["wsgi.errors"].write(traceback.format_exc())
        return exc.HTTPInternalServerError()


def application(environ, start_response):
    server_input = environ["wsgi.input"]
    try:
        response = dispatch(Request(environ))
        return response(environ, start_response)
    finally:
        # To parse a form, WebOb first copies a large request body (over
        # 10 KB) into a temporary file and puts that in environ["wsgi.input"].
        # That copy is ours to close; the server's own stream is not.
        body_copy = environ.get("wsgi.input")
        if body_copy is not server_input and hasattr(body_copy, "close"):
            body_copy.close()


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving webob_app on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
