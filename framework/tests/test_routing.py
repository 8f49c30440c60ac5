"""The Router: matching, converters, 405/308, URL building, bad rules.

Where werkzeug (Flask's router) is installed, the answers are compared with
werkzeug's on the same rules: the framework aims to route exactly like it.
"""

import unittest
import uuid

from wsgi_framework import BuildError, Router, RuleError

try:
    from werkzeug.exceptions import MethodNotAllowed as WzMethodNotAllowed
    from werkzeug.exceptions import NotFound as WzNotFound
    from werkzeug.routing import Map, RequestRedirect, Rule
except ImportError:  # pragma: no cover - werkzeug is in python-examples/requirements.txt
    Map = None


RULES = [
    ("/", "index", ["GET"]),
    ("/hello/<name>", "hello", ["GET"]),
    ("/users/", "users", ["GET", "POST"]),
    ("/users/me", "me", ["GET"]),
    ("/users/<int:id>", "user", ["GET", "DELETE"]),
    ("/users/<int:id>/posts/<int(min=1):page>", "posts", ["GET"]),
    ("/files/<path:rest>", "files", ["GET"]),
    ("/wiki/<path:page>/edit", "edit", ["GET", "POST"]),
    ("/price/<float:amount>", "price", ["GET"]),
    ("/offset/<int(signed=True):n>", "offset", ["GET"]),
    ("/objects/<uuid:oid>", "object", ["GET"]),
    ("/lang/<string(length=2):code>/", "lang", ["GET"]),
    ("/docs/", "docs", ["GET"]),
]

PATHS = [
    "",
    "/",
    "/hello/ada",
    "/hello/caf\u00e9",
    "/hello/",
    "/hello/a/b",
    "/users",
    "/users/",
    "/users/me",
    "/users/42",
    "/users/042",
    "/users/-1",
    "/users/x",
    "/users/42/posts/3",
    "/files/a",
    "/files/a/b/c.txt",
    "/files/a/b/",
    "/files/",
    "/files",
    "/wiki/x/y/edit",
    "/wiki/edit",
    "/price/9.99",
    "/price/9",
    "/offset/-7",
    "/objects/12345678-1234-5678-1234-567812345678",
    "/objects/nope",
    "/lang/en",
    "/lang/en/",
    "/lang/eng/",
    "/docs",
    "/docs/",
    "//docs/",
    "/nowhere",
]

METHODS = ["GET", "HEAD", "POST", "DELETE", "PUT"]


def make_router():
    router = Router()
    for rule, endpoint, methods in RULES:
        router.add(rule, endpoint, methods)
    return router


class MatchingTests(unittest.TestCase):
    def setUp(self):
        self.router = make_router()

    def test_static_beats_placeholder(self):
        self.assertEqual(self.router.match("/users/me").endpoint, "me")
        self.assertEqual(self.router.match("/users/7").values, {"id": 7})

    def test_converters_give_typed_values(self):
        self.assertEqual(self.router.match("/users/42").values, {"id": 42})
        self.assertIsInstance(self.router.match("/users/42").values["id"], int)
        self.assertEqual(self.router.match("/price/9.99").values, {"amount": 9.99})
        self.assertEqual(self.router.match("/offset/-7").values, {"n": -7})
        oid = self.router.match("/objects/12345678-1234-5678-1234-567812345678").values["oid"]
        self.assertEqual(oid, uuid.UUID("12345678-1234-5678-1234-567812345678"))
        self.assertEqual(self.router.match("/files/a/b/c.txt").values, {"rest": "a/b/c.txt"})
        self.assertEqual(self.router.match("/wiki/x/y/edit").values, {"page": "x/y"})
        self.assertEqual(self.router.match("/hello/caf\u00e9").values, {"name": "caf\u00e9"})
        big = "123456789012345678901234567890"
        self.assertEqual(self.router.match(f"/users/{big}").values, {"id": int(big)})

    def test_rejected_values_are_404(self):
        for path in ("/users/x", "/users/-1", "/price/9", "/objects/nope", "/lang/eng/", "/users/42/posts/0"):
            with self.subTest(path=path):
                self.assertEqual(self.router.match(path).status, 404)

    def test_405_lists_allowed_methods(self):
        found = self.router.match("/users/42", "POST")
        self.assertEqual(found.status, 405)
        self.assertEqual(found.allowed, ["DELETE", "GET", "HEAD"])
        self.assertFalse(found)

    def test_head_is_served_by_get(self):
        self.assertEqual(self.router.match("/hello/x", "HEAD").endpoint, "hello")
        self.assertEqual(self.router.match("/hello/x", "head").endpoint, "hello")

    def test_missing_slash_redirects_308(self):
        found = self.router.match("/docs")
        self.assertEqual((found.status, found.redirect_to), (308, "/docs/"))
        self.assertEqual(self.router.match("").redirect_to, "/")
        self.assertEqual(self.router.match("/lang/en").redirect_to, "/lang/en/")
        self.assertEqual(self.router.match("/docs", "PUT").status, 404)

    def test_converter_options_are_checked_while_matching(self):
        # werkzeug checks min/max only after the path matched, so it answers
        # POST /users/42/posts/0 with 405; here the value simply does not
        # fit, so no rule matches: 404 for every method (a deliberate difference).
        for method in ("GET", "POST"):
            self.assertEqual(self.router.match("/users/42/posts/0", method).status, 404)

    def test_allowed_methods(self):
        self.assertEqual(self.router.allowed_methods("/users/"), ["GET", "HEAD", "POST"])
        self.assertEqual(self.router.allowed_methods("/nowhere"), [])

    @unittest.skipIf(Map is None, "werkzeug is not installed")
    def test_same_answers_as_werkzeug(self):
        wz = Map([Rule(rule, endpoint=endpoint, methods=methods) for rule, endpoint, methods in RULES])
        adapter = wz.bind("example.test")
        for path in PATHS:
            for method in METHODS:
                with self.subTest(path=path, method=method):
                    ours = self.router.match(path, method)
                    try:
                        endpoint, values = adapter.match(path, method)
                        expected = (200, endpoint, values)
                    except RequestRedirect as redirect:
                        expected = (308, redirect.new_url.split("example.test", 1)[1])
                    except WzMethodNotAllowed as error:
                        expected = (405, sorted(error.valid_methods))
                    except WzNotFound:
                        expected = (404,)
                    got = {
                        200: lambda: (200, ours.endpoint, ours.values),
                        308: lambda: (308, ours.redirect_to),
                        405: lambda: (405, ours.allowed),
                        404: lambda: (404,),
                    }[ours.status]()
                    self.assertEqual(got, expected)


class BuildingTests(unittest.TestCase):
    def setUp(self):
        self.router = make_router()

    def test_placeholders_are_escaped(self):
        self.assertEqual(self.router.build("hello", {"name": "a b/c?d#e%f"}), "/hello/a%20b/c%3Fd%23e%25f")
        self.assertEqual(self.router.build("hello", {"name": "caf\u00e9"}), "/hello/caf%C3%A9")
        self.assertEqual(self.router.build("files", {"rest": "dir/my file.txt"}), "/files/dir/my%20file.txt")

    def test_values_are_converted(self):
        self.assertEqual(self.router.build("user", {"id": 7}), "/users/7")
        self.assertEqual(self.router.build("user", {"id": "7"}), "/users/7")
        self.assertEqual(self.router.build("price", {"amount": 1}), "/price/1.0")
        oid = uuid.UUID("12345678-1234-5678-1234-567812345678")
        self.assertEqual(self.router.build("object", {"oid": oid}), f"/objects/{oid}")
        with self.assertRaises(BuildError):
            self.router.build("user", {"id": "seven"})

    def test_unknown_values_go_to_the_query_string(self):
        self.assertEqual(
            self.router.build("user", {"id": 1, "q": "a b&c", "tag": ["x", "y"], "skip": None}),
            "/users/1?q=a+b%26c&tag=x&tag=y",
        )
        self.assertEqual(self.router.build("user", {"id": 1, "q": "x"}, append_unknown=False), "/users/1")

    def test_build_errors_say_why(self):
        with self.assertRaisesRegex(BuildError, "no rule has the endpoint 'nope'"):
            self.router.build("nope")
        with self.assertRaisesRegex(BuildError, "needs a value for id"):
            self.router.build("user", {})
        self.assertIsInstance(BuildError("x"), LookupError)

    def test_round_trip(self):
        cases = [
            ("hello", {"name": "M\u00fcller & Sons?"}),
            ("user", {"id": 123}),
            ("posts", {"id": 1, "page": 2}),
            ("files", {"rest": "a b/c%d/\u00e9"}),
            ("price", {"amount": 0.25}),
            ("offset", {"n": -3}),
        ]
        from urllib.parse import unquote

        for endpoint, values in cases:
            with self.subTest(endpoint=endpoint):
                path = self.router.build(endpoint, values)
                found = self.router.match(unquote(path))
                self.assertEqual((found.endpoint, found.values), (endpoint, values))

    @unittest.skipIf(Map is None, "werkzeug is not installed")
    def test_same_urls_as_werkzeug(self):
        wz = Map([Rule(rule, endpoint=endpoint, methods=methods) for rule, endpoint, methods in RULES])
        adapter = wz.bind("example.test")
        cases = [
            ("hello", {"name": "a b/c?d#e%f&g=h+i"}),
            ("hello", {"name": "\u00e9\u20ac\U0001f600"}),
            ("files", {"rest": "dir/my file.txt"}),
            ("user", {"id": 7, "q": "a b", "n": 3}),
            ("price", {"amount": 2.5}),
            ("lang", {"code": "en"}),
            ("users", {"page": ["1", "2"]}),
        ]
        for endpoint, values in cases:
            with self.subTest(endpoint=endpoint, values=values):
                self.assertEqual(self.router.build(endpoint, values), adapter.build(endpoint, values))


class BadRuleTests(unittest.TestCase):
    def check(self, rule, message, methods=None):
        router = Router()
        router.add("/users/<int:id>", "user", ["GET"])
        with self.assertRaisesRegex(RuleError, message):
            router.add(rule, "other", methods)

    def test_malformed_rules(self):
        self.check("users", "must start with '/'")
        self.check("/a//b", "empty segment")
        self.check("/<int:id", "never closed")
        self.check("/<nope:x>", "unknown converter")
        self.check("/<int(maximum=3):x>", "no option")
        self.check("/<a>/<a>", "appears twice")
        self.check("/<1a>", "not a valid variable name")
        self.check("/x<path:p>", "whole segments")
        self.check("/x", "never match", methods=[])

    def test_conflicting_rules(self):
        self.check("/users/<int:uid>", r"conflicts with rule '/users/<int:id>' \(endpoint 'user'\).*GET, HEAD", ["GET"])
        # Same path, other methods: not a conflict.
        router = Router()
        router.add("/users/<int:id>", "user", ["GET"])
        router.add("/users/<int:id>", "delete_user", ["DELETE"])
        self.assertEqual(router.match("/users/1", "DELETE").endpoint, "delete_user")

    def test_rule_error_is_a_value_error(self):
        self.assertTrue(issubclass(RuleError, ValueError))


if __name__ == "__main__":
    unittest.main()
