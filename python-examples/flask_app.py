"""The "framework contract" written with Flask.

What it teaches
---------------
Flask hides ``environ`` and ``start_response`` behind a thread-local
``request`` object and view functions that *return* a response.  Yet the
``Flask`` object itself is an ordinary WSGI callable, so any WSGI server can
run it.  This file answers the same routes as ``bottle_app.py``,
``django_app.py``, ``werkzeug_app.py`` and ``webob_app.py``, so the five can
be compared side by side (and one test drives them all):

=======================  ===================================================
``GET /``                ``Hello from Flask!``
``GET /query``           ``{"name": ..., "tags": [...]}`` from ``?name=&tag=``
``POST /form``           ``{"fields": {name: [values...]}}`` (urlencoded)
``POST /json``           ``{"received": <parsed body>}``; 400 if not JSON
``POST /upload``         multipart with ``file`` (and optional ``note``):
                         ``{"filename", "size", "sha256", "note"}``;
                         400 if there is no ``file`` part
``GET /redirect``        302 to ``/query?name=redirected``
``GET /cookie/set``      sets ``flavour=oatmeal; Path=/``
``GET /cookie/get``      ``{"flavour": <cookie or null>}``
``GET /stream``          ``chunk 0`` .. ``chunk 4``, one line per chunk,
                         produced lazily by a generator
``GET /error``           raises ``RuntimeError("boom")`` -> 500
anything else            404 (a known path with the wrong method: 405)
=======================  ===================================================

How to run it
-------------
Install the requirements first (``pip install -r requirements.txt``).
Under this project's server, from inside ``python-examples/``::

    wsgi-server flask_app:application

Directly (wsgiref, not Flask's own development server)::

    python3 flask_app.py              # 127.0.0.1:8000, or set PORT

Then e.g. ``curl 'http://127.0.0.1:8000/query?name=Ada&tag=a&tag=b'`` or
``curl -F file=@requirements.txt -F note=hi http://127.0.0.1:8000/upload``.
"""

import hashlib
import json
import os

from flask import Flask, Response, jsonify, redirect, request, stream_with_context

app = Flask(__name__)
# Debug stays off (the default): an exception in a view becomes a plain 500
# page instead of an interactive traceback.
app.config["DEBUG"] = False


@app.get("/")
def index():
    return Response("Hello from Flask!\n", mimetype="text/plain")


@app.get("/query")
def query():
    return jsonify(
        name=request.args.get("name", "world"),
        tags=request.args.getlist("tag"),
    )


@app.post("/form")
def form():
    return jsonify(fields={key: values for key, values in request.form.lists()})


@app.post("/json")
def json_echo():
    # request.get_json() would also work, but it refuses (415) a body that
    # is not labelled application/json; parsing by hand keeps all five apps
    # identical: any valid JSON is accepted, anything else is a 400.
    try:
        data = json.loads(request.get_data())
    except ValueError:
        return jsonify(error="invalid JSON"), 400
    return jsonify(received=data)


@app.post("/upload")
def upload():
    upload = request.files.get("file")
    if upload is None:
        return jsonify(error="no file part named 'file'"), 400
    digest = hashlib.sha256()
    size = 0
    # Read in chunks: an upload may be larger than we want in memory at once.
    for chunk in iter(lambda: upload.stream.read(64 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    return jsonify(
        filename=upload.filename,
        size=size,
        sha256=digest.hexdigest(),
        note=request.form.get("note"),
    )


@app.get("/redirect")
def go_elsewhere():
    return redirect("/query?name=redirected", code=302)


@app.get("/cookie/set")
def cookie_set():
    response = Response("cookie flavour=oatmeal set\n", mimetype="text/plain")
    response.set_cookie("flavour", "oatmeal", path="/")
    return response


@app.get("/cookie/get")
def cookie_get():
    return jsonify(flavour=request.cookies.get("flavour"))


@app.get("/stream")
def stream():
    def generate():
        for i in range(5):
            yield f"chunk {i}\n"

    # A generator body is sent piece by piece as the server iterates it.
    # stream_with_context keeps `request` usable inside the generator, which
    # runs after this view function has already returned.
    return Response(stream_with_context(generate()), mimetype="text/plain")


@app.get("/error")
def error():
    raise RuntimeError("boom")


application = app


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving flask_app on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
