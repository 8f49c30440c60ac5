"""App: routes and views end to end, errors, HEAD/OPTIONS, url_for, mounts
(a Flask app inside an App)."""

import io
import unittest

from support import call

from wsgi_framework import App, Response, RuleError, abort, request, url_for

try:
    import flask
except ImportError:  # pragma: no cover - flask is in python-examples/requirements.txt
    flask = None


def make_app():
    app = App("test")

    @app.route("/")
    def index():
        return "home"

    @app.route("/hello/<name>")
    def hello(name):
        return f"Hello, {name}!"

    @app.route("/users/<int:id>", methods=["GET", "DELETE"])
    def user(id):
        if id == 0:
            abort(404, "no user 0")
        return {"id": id, "method": request.method, "self": url_for("user", id=id)}

    @app.route("/docs/")
    def docs():
        return "docs"

    @app.post("/items")
    def create():
        return {"created": request.form.get("name")}, 201, {"X-Created": "yes"}

    @app.route("/bytes")
    def raw():
        return b"\x00\x01"

    @app.route("/list")
    def as_list():
        return [1, 2]

    @app.route("/teapot")
    def teapot():
        return "short and stout", 418

    @app.route("/custom")
    def custom():
        response = Response("custom", mimetype="text/plain")
        response.set_cookie("seen", "1")
        return response

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    @app.route("/none")
    def nothing():
        return None

    @app.route("/link/<path:target>")
    def link(target):
        return url_for("hello", name=target, _external=True, _anchor="top")

    return app


class AppTests(unittest.TestCase):
    def setUp(self):
        self.app = make_app()

    def test_views_and_return_types(self):
        self.assertEqual(call(self.app, "/").text, "home")
        self.assertEqual(call(self.app, "/hello/caf%C3%A9").text, "Hello, caf\u00e9!")
        result = call(self.app, "/users/7")
        self.assertEqual(result.json(), {"id": 7, "method": "GET", "self": "/users/7"})
        self.assertEqual(result.header("Content-Type"), "application/json; charset=utf-8")
        self.assertEqual(call(self.app, "/bytes").body, b"\x00\x01")
        self.assertEqual(call(self.app, "/list").json(), [1, 2])
        self.assertEqual(call(self.app, "/teapot").status, "418 I'm a teapot")
        custom = call(self.app, "/custom")
        self.assertEqual((custom.text, custom.header("Set-Cookie")), ("custom", "seen=1; Path=/"))

    def test_tuple_with_status_and_headers(self):
        result = call(
            self.app,
            "/items",
            method="POST",
            body=b"name=pen",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.assertEqual((result.code, result.json(), result.header("X-Created")), (201, {"created": "pen"}, "yes"))

    def test_404_and_abort(self):
        self.assertEqual(call(self.app, "/nowhere").code, 404)
        self.assertEqual(call(self.app, "/users/abc").code, 404)
        aborted = call(self.app, "/users/0")
        self.assertEqual(aborted.code, 404)
        self.assertIn(b"no user 0", aborted.body)

    def test_405_has_allow(self):
        result = call(self.app, "/users/7", method="POST")
        self.assertEqual(result.code, 405)
        self.assertEqual(result.header("Allow"), "DELETE, GET, HEAD, OPTIONS")

    def test_head_runs_get_without_body(self):
        result = call(self.app, "/hello/ada", method="HEAD")
        self.assertEqual((result.code, result.body), (200, b""))
        self.assertEqual(result.header("Content-Length"), str(len(call(self.app, "/hello/ada").body)))

    def test_automatic_options(self):
        result = call(self.app, "/users/7", method="OPTIONS")
        self.assertEqual((result.code, result.header("Allow")), (200, "DELETE, GET, HEAD, OPTIONS"))

    def test_trailing_slash_redirect_like_werkzeug(self):
        result = call(self.app, "/docs", query="a=1", headers={"Host": "example.test"}, script_name="/site")
        self.assertEqual(result.code, 308)
        self.assertEqual(result.header("Location"), "http://example.test/site/docs/?a=1")
        # The mount point itself without its slash.
        root = call(self.app, "", headers={"Host": "example.test"}, script_name="/site")
        self.assertEqual((root.code, root.header("Location")), (308, "http://example.test/site/"))

    def test_url_for_inside_a_mount(self):
        result = call(self.app, "/users/5", script_name="/my app")
        self.assertEqual(result.json()["self"], "/my%20app/users/5")
        external = call(self.app, "/link/a b", headers={"Host": "example.test"})
        self.assertEqual(external.text, "http://example.test/hello/a%20b#top")

    def test_url_for_outside_a_request(self):
        self.assertEqual(self.app.url_for("hello", name="x y", page=2), "/hello/x%20y?page=2")
        with self.assertRaises(RuntimeError):
            url_for("hello", name="x")

    def test_errors_become_500_and_are_logged(self):
        log = io.StringIO()
        result = call(self.app, "/boom", **{"wsgi.errors": log})
        self.assertEqual(result.code, 500)
        self.assertIn("RuntimeError: kaboom", log.getvalue())
        self.assertEqual(call(self.app, "/none", **{"wsgi.errors": io.StringIO()}).code, 500)

    def test_error_handlers(self):
        @self.app.errorhandler(404)
        def not_found(error):
            return f"custom 404: {error.description}"

        @self.app.errorhandler(RuntimeError)
        def runtime(error):
            return {"error": str(error)}, 503

        result = call(self.app, "/users/0")
        self.assertEqual((result.code, result.text), (404, "custom 404: no user 0"))
        boom = call(self.app, "/boom", **{"wsgi.errors": io.StringIO()})
        self.assertEqual((boom.code, boom.json()), (503, {"error": "kaboom"}))

    def test_registration_errors(self):
        with self.assertRaisesRegex(RuleError, "malformed rule '/<int:x'"):
            self.app.route("/<int:x")(lambda x: "")
        with self.assertRaisesRegex(RuleError, "conflicts with rule '/hello/<name>'"):

            @self.app.route("/hello/<who>")
            def other(who):
                return who

        with self.assertRaisesRegex(RuleError, "already used by the view 'index'"):
            self.app.add_url_rule("/again", "index", lambda: "x")
        with self.assertRaises(TypeError):
            self.app.route("/m", methods="GET")(lambda: "")


@unittest.skipIf(flask is None, "flask is not installed")
class MountTests(unittest.TestCase):
    def setUp(self):
        inner = flask.Flask("inner")

        @inner.route("/")
        def flask_index():
            return "flask index"

        @inner.route("/where")
        def where():
            return {
                "script_root": flask.request.script_root,
                "path": flask.request.path,
                "url": flask.url_for("where"),
            }

        self.app = make_app()
        self.app.mount("/flask", inner)

    def test_flask_app_mounted_inside_an_app(self):
        result = call(self.app, "/flask/where")
        self.assertEqual(result.json(), {"script_root": "/flask", "path": "/where", "url": "/flask/where"})
        self.assertEqual(call(self.app, "/flask/").text, "flask index")

    def test_own_routes_still_work(self):
        self.assertEqual(call(self.app, "/hello/x").text, "Hello, x!")
        self.assertEqual(call(self.app, "/flaskx").code, 404)


if __name__ == "__main__":
    unittest.main()
