"""The framework demo: the source notes' Dispatcher, grown up.

What it shows
-------------
``dispatcher.py`` routes ``/hi/`` and ``/hello/`` to two tiny WSGI apps by
hand.  Here the same two apps sit behind ``wsgi_framework.Dispatcher`` (the
Rust version of that middleware: whole path segments, longest mount wins,
the prefix moved from PATH_INFO to SCRIPT_NAME), next to an ``App`` with
typed routes mounted under ``/app``.  Anything else is a 404.

=============================  ==============================================
request                        answer
=============================  ==============================================
``/hi/there``                  say_hi: shows SCRIPT_NAME='/hi', PATH_INFO='/there'
``/hello/?name=Ada``           say_hello: ``Hello, Ada!``
``/app/``                      the App's index: its routes, as JSON
``/app/hello/<name>``          a string placeholder, decoded (``caf%C3%A9``)
``/app/users/<int:id>``        an int placeholder; GET and DELETE, else 405
``/app/files/<path:rest>``     a path placeholder: slashes included
``/app/price/<float:amount>``  a float placeholder
``/app/docs``                  308 to ``/app/docs/`` (the rule ends in ``/``)
``/app/echo`` (POST)           the form, query and JSON it was sent
``/nowhere``                   404 from the Dispatcher's fallback
=============================  ==============================================

How to run it
-------------
From the repository root, with nothing installed::

    cargo run --example dispatcher          # 127.0.0.1:8000; --port N or PORT=N

or from this folder, with a built server::

    ../target/debug/wsgi-server framework_demo:application

``wsgi_framework`` is built into wsgi-server.  Under another server (gunicorn),
``pip install ./framework`` first.
"""

from dispatcher import say_hello, say_hi
from wsgi_framework import App, Dispatcher, Response, abort, request, url_for

app = App("demo")


def text(body: str, status: int = 200) -> Response:
    """Plain text reads better in a terminal than HTML."""
    return Response(body, status, mimetype="text/plain")


@app.route("/")
def index():
    return {
        "app": "framework_demo",
        "mounted_at": request.script_root,
        "routes": [rule for rule, _endpoint, _methods in app.router.rules],
    }


@app.route("/hello/<name>")
def hello(name):
    return text(f"Hello, {name}! (from the App; url_for gives {url_for('hello', name=name)})\n")


@app.route("/users/<int:id>", methods=["GET", "DELETE"])
def user(id):
    if id == 0:
        abort(404, "There is no user 0.")
    if request.method == "DELETE":
        return {"deleted": id}
    return {"id": id, "type": type(id).__name__, "url": url_for("user", id=id)}


@app.route("/files/<path:rest>")
def files(rest):
    return {"rest": rest, "segments": rest.split("/")}


@app.route("/price/<float:amount>")
def price(amount):
    return {"amount": amount, "with_tax": round(amount * 1.2, 2)}


@app.route("/docs/")
def docs():
    return text("The docs. (/app/docs without the slash redirected here with a 308.)\n")


@app.route("/echo", methods=["POST"])
def echo():
    return {
        "args": request.args.to_dict(flat=False),
        "form": request.form.to_dict(flat=False),
        "files": {name: storage.filename for name, storage in request.files.items()},
        "json": request.get_json(silent=True),
    }


# The two apps from the source notes and the App, behind one Dispatcher.
# Unmatched paths go to the default fallback: 404 Not Found.
application = Dispatcher(
    {
        "/hi": say_hi,
        "/hello": say_hello,
        "/app": app,
    }
)
