"""The "framework contract" written with Bottle.

What it teaches
---------------
Bottle is a whole micro-framework in one module.  Like Flask it offers a
thread-local ``request``/``response`` pair and route decorators, and the
``Bottle`` object is a plain WSGI callable.  Two Bottle habits show here:

* query and form values come back as "native" strings as WSGI delivers them;
  ``.decode()`` gives a copy with proper UTF-8 text;
* a route may return a ``dict`` (sent as JSON), a ``str``, or a *generator*
  (sent chunk by chunk: that is all streaming takes).

Routes (the same in ``flask_app``, ``django_app``, ``werkzeug_app`` and
``webob_app``):

=======================  ===================================================
``GET /``                ``Hello from Bottle!``
``GET /query``           ``{"name": ..., "tags": [...]}`` from ``?name=&tag=``
``POST /form``           ``{"fields": {name: [values...]}}`` (urlencoded)
``POST /json``           ``{"received": <parsed body>}``; 400 if not JSON
``POST /upload``         multipart with ``file`` (and optional ``note``):
                         ``{"filename", "size", "sha256", "note"}``;
                         400 if there is no ``file`` part
``GET /redirect``        302 to ``/query?name=redirected``
``GET /cookie/set``      sets ``flavour=oatmeal; Path=/``
``GET /cookie/get``      ``{"flavour": <cookie or null>}``
``GET /stream``          ``chunk 0`` .. ``chunk 4`` from a generator
``GET /error``           raises ``RuntimeError("boom")`` -> 500
anything else            404 (a known path with the wrong method: 405)
=======================  ===================================================

How to run it
-------------
Install the requirements first (``pip install -r requirements.txt``).
Under this project's server, from inside ``python-examples/``::

    wsgi-server bottle_app:application

Directly::

    python3 bottle_app.py             # 127.0.0.1:8000, or set PORT
"""

import hashlib
import json
import os

from bottle import Bottle, redirect, request, response

app = Bottle()
# Bottle's own debug mode is off by default: an exception becomes a terse 500
# page, and the traceback goes to the server's error log (wsgi.errors).


@app.get("/")
def index():
    response.content_type = "text/plain; charset=utf-8"
    return "Hello from Bottle!\n"


@app.get("/query")
def query():
    args = request.query.decode()
    return {"name": args.get("name", "world"), "tags": args.getall("tag")}


@app.post("/form")
def form():
    fields = request.forms.decode()
    return {"fields": {key: fields.getall(key) for key in fields}}


@app.post("/json")
def json_echo():
    # Bottle's request.json only parses bodies labelled application/json;
    # reading the body ourselves keeps the five apps identical.
    try:
        data = json.loads(request.body.read())
    except ValueError:
        response.status = 400
        return {"error": "invalid JSON"}
    return {"received": data}  # a returned dict is sent as JSON


@app.post("/upload")
def upload():
    upload = request.files.get("file")
    if upload is None:
        response.status = 400
        return {"error": "no file part named 'file'"}
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: upload.file.read(64 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    note = request.forms.decode().get("note")
    return {
        # .filename would be a sanitised name (spaces -> dashes, ASCII only);
        # the other apps report the name the client sent, so we do too.
        "filename": upload.raw_filename,
        "size": size,
        "sha256": digest.hexdigest(),
        "note": note,
    }


@app.get("/redirect")
def go_elsewhere():
    redirect("/query?name=redirected", 302)  # raises an HTTPResponse


@app.get("/cookie/set")
def cookie_set():
    response.set_cookie("flavour", "oatmeal", path="/")
    response.content_type = "text/plain; charset=utf-8"
    return "cookie flavour=oatmeal set\n"


@app.get("/cookie/get")
def cookie_get():
    return {"flavour": request.get_cookie("flavour")}


@app.get("/stream")
def stream():
    def generate():
        for i in range(5):
            yield f"chunk {i}\n"

    response.content_type = "text/plain; charset=utf-8"
    # Returning a generator makes Bottle send each item as it is produced.
    return generate()


@app.get("/error")
def error():
    raise RuntimeError("boom")


application = app


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving bottle_app on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
