"""A small application whose URLs a router written in Rust dispatches.

What it teaches
---------------
The routes are data: ``ROUTES`` lists ``(method, pattern, endpoint)``, and
each endpoint is the name of a WSGI application in this module.  Chapter
13's server reads the table, builds its trie from it, and for each request
calls the endpoint whose pattern matches, with two additions to the
environ:

* ``environ["wsgiorg.routing_args"]``: ``((), {"name": "Ada"})``, the values
  taken from the path (the convention of wsgi.org's routing_args
  specification: positional arguments, keyword arguments);
* ``environ["router.url_for"]``: a function that builds a URL back from an
  endpoint and values, escaping them, so no URL is ever written by hand.

A request that no pattern matches gets ``404 Not Found``; one whose path
matches but not with this method gets ``405 Method Not Allowed`` and an
``Allow`` header.  Neither reaches this module.

The module has no ``application`` of its own: the router is the
application, so ``wsgi-server`` and ``wsgiref`` cannot serve it alone.

How to run it
-------------
Through chapter 13's router, from the workspace root::

    cargo run -p ch13-router              # routed_app, on 127.0.0.1:7878

The server prints the trie it built from ``ROUTES`` and some ``curl``
commands to try, such as ``curl http://127.0.0.1:7878/user/42``.
"""

ROUTES = [
    ("GET", "/", "index"),
    ("GET", "/hello/<name>", "hello"),
    ("GET", "/user/<int:id>", "user"),
    # A fixed segment beats a placeholder: /user/me comes here, not to user.
    ("GET", "/user/me", "me"),
    ("GET", "/files/<path:rest>", "files"),
    ("PUT", "/files/<path:rest>", "files"),
]


def _text(start_response, text, status="200 OK"):
    body = text.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [body]


def _values(environ):
    _positional, keywords = environ["wsgiorg.routing_args"]
    return keywords


def index(environ, start_response):
    url_for = environ["router.url_for"]
    links = [
        url_for("hello", name="Ada Lovelace"),
        url_for("hello", name="café"),
        url_for("user", id=42),
        url_for("me"),
        url_for("files", rest="docs/read me.txt"),
    ]
    return _text(start_response, "Some URLs, built by url_for:\n" + "\n".join(links) + "\n")


def hello(environ, start_response):
    return _text(start_response, f"Hello, {_values(environ)['name']}!\n")


def user(environ, start_response):
    user_id = _values(environ)["id"]
    # An <int:...> value arrives as a Python int, not as text.
    return _text(start_response, f"User {user_id} (the next one is {user_id + 1}).\n")


def me(environ, start_response):
    return _text(start_response, "You are user 0: /user/me is a fixed route.\n")


def files(environ, start_response):
    rest = _values(environ)["rest"]
    if environ["REQUEST_METHOD"] == "PUT":
        size = len(environ["wsgi.input"].read())
        return _text(start_response, f"Would store {size} bytes as {rest!r}.\n", "201 Created")
    return _text(start_response, f"You asked for the file {rest!r}.\n")
