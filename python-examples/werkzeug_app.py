"""The clock, and then the "framework contract", written with Werkzeug.

What it teaches
---------------
Werkzeug is the toolkit underneath Flask, not a framework: it gives you
``Request`` and ``Response`` objects and a URL ``Map`` of ``Rule`` objects,
and leaves the rest to you.  So this file shows the pieces a framework adds:
matching the URL to an endpoint, turning ``HTTPException`` (404, 405...) into
responses, and catching any other exception to answer ``500`` while logging
the traceback to ``wsgi.errors`` -- Flask does exactly this for you.

First, the clock (the same answers as ``clock.py``):

* ``GET /``  -> ``time.ctime()``;
* ``/`` with any other method -> ``501 Not Implemented``;
* an unknown path -> ``404``.

Then the routes shared with ``flask_app``, ``bottle_app``, ``django_app``
and ``webob_app`` (a known path with the wrong method answers 405):

=======================  ===================================================
``GET /query``           ``{"name": ..., "tags": [...]}`` from ``?name=&tag=``
``POST /form``           ``{"fields": {name: [values...]}}`` (urlencoded)
``POST /json``           ``{"received": <parsed body>}``; 400 if not JSON
``POST /upload``         multipart with ``file`` (and optional ``note``):
                         ``{"filename", "size", "sha256", "note"}``;
                         400 if there is no ``file`` part
``GET /redirect``        302 to ``/query?name=redirected``
``GET /cookie/set``      sets ``flavour=oatmeal; Path=/``
``GET /cookie/get``      ``{"flavour": <cookie or null>}``
``GET /stream``          ``chunk 0`` .. ``chunk 4``: a generator as body
``GET /error``           raises ``RuntimeError("boom")`` -> 500
=======================  ===================================================

How to run it
-------------
Install the requirements first (``pip install -r requirements.txt``).
Under this project's server, from inside ``python-examples/``::

    wsgi-server werkzeug_app:application

Directly::

    python3 werkzeug_app.py           # 127.0.0.1:8000, or set PORT
"""

import hashlib
import json
import os
import time
import traceback

from werkzeug import exceptions
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response


def json_response(data, status=200):
    return Response(json.dumps(data), status=status, mimetype="application/json")


# --------------------------------------------------------------------- views
# Each view takes the Request and returns a Response.


def clock(request):
    # The rule for "/" accepts every method, so that we can answer 501
    # ourselves (as clock.py does) instead of Werkzeug's 405.
    if request.method != "GET":
        # (Spelt with the module name: a bare NotImplemented is a builtin.)
        raise exceptions.NotImplemented()
    return Response(time.ctime() + "\n", mimetype="text/plain")


def query(request):
    return json_response({
        "name": request.args.get("name", "world"),
        "tags": request.args.getlist("tag"),
    })


def form(request):
    return json_response({"fields": dict(request.form.lists())})


def json_echo(request):
    try:
        data = json.loads(request.get_data())
    except ValueError:
        return json_response({"error": "invalid JSON"}, status=400)
    return json_response({"received": data})


def upload(request):
    upload = request.files.get("file")
    if upload is None:
        return json_response({"error": "no file part named 'file'"}, status=400)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: upload.stream.read(64 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    return json_response({
        "filename": upload.filename,
        "size": size,
        "sha256": digest.hexdigest(),
        "note": request.form.get("note"),
    })


def go_elsewhere(request):
    return redirect("/query?name=redirected", code=302)


def cookie_set(request):
    response = Response("cookie flavour=oatmeal set\n", mimetype="text/plain")
    response.set_cookie("flavour", "oatmeal", path="/")
    return response


def cookie_get(request):
    return json_response({"flavour": request.cookies.get("flavour")})


def stream(request):
    def generate():
        for i in range(5):
            yield f"chunk {i}\n"

    # A generator as the body: Response iterates it lazily, as the server
    # asks for each chunk (the WSGI app_iter).
    return Response(generate(), mimetype="text/plain")


def error(request):
    raise RuntimeError("boom")


# Rules with methods=["GET"] also accept HEAD; methods=None accepts any.
url_map = Map([
    Rule("/", endpoint=clock, methods=None),
    Rule("/query", endpoint=query, methods=["GET"]),
    Rule("/form", endpoint=form, methods=["POST"]),
    Rule("/json", endpoint=json_echo, methods=["POST"]),
    Rule("/upload", endpoint=upload, methods=["POST"]),
    Rule("/redirect", endpoint=go_elsewhere, methods=["GET"]),
    Rule("/cookie/set", endpoint=cookie_set, methods=["GET"]),
    Rule("/cookie/get", endpoint=cookie_get, methods=["GET"]),
    Rule("/stream", endpoint=stream, methods=["GET"]),
    Rule("/error", endpoint=error, methods=["GET"]),
])


@Request.application
def application(request):
    """Match the URL, call the view, and turn failures into responses."""
    adapter = url_map.bind_to_environ(request.environ)
    try:
        view, _args = adapter.match()  # raises NotFound / MethodNotAllowed
        return view(request)
    except HTTPException as exc:
        return exc  # an HTTPException is itself a WSGI application
    except Exception:
        # What a framework does with debug off: log, then a generic 500.
        request.environ["wsgi.errors"].write(traceback.format_exc())
        return InternalServerError()


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving werkzeug_app on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
