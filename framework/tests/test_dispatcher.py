"""The Dispatcher middleware: whole segments, longest mount, the prefix
moved from PATH_INFO to SCRIPT_NAME, the fallback."""

import random
import unittest

from support import call, make_environ

from wsgi_framework import Dispatcher, NotFoundApp

try:
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
except ImportError:  # pragma: no cover
    DispatcherMiddleware = None


def recorder(name):
    """A WSGI app that answers with its name and what it was given."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name}|{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode("latin-1")]

    return app


class DispatcherTests(unittest.TestCase):
    def setUp(self):
        self.dispatcher = Dispatcher(
            {"/api": recorder("api"), "/api/v2": recorder("v2"), "hi/": recorder("hi")},
            fallback=recorder("fallback"),
        )

    def answer(self, path, script_name=""):
        return call(self.dispatcher, path, script_name=script_name).text

    def test_whole_segments_only(self):
        self.assertEqual(self.answer("/api"), "api|/api|")
        self.assertEqual(self.answer("/api/"), "api|/api|/")
        self.assertEqual(self.answer("/api/users"), "api|/api|/users")
        self.assertEqual(self.answer("/apix"), "fallback||/apix")

    def test_longest_mount_wins(self):
        self.assertEqual(self.answer("/api/v2/items"), "v2|/api/v2|/items")
        self.assertEqual(self.answer("/api/v20"), "api|/api|/v20")

    def test_prefixes_are_normalised(self):
        # "hi/" (the source notes' spelling) is the mount /hi.
        self.assertEqual(self.answer("/hi/there"), "hi|/hi|/there")
        self.assertEqual(set(self.dispatcher.mounts), {"/api", "/api/v2", "/hi"})

    def test_existing_script_name_is_kept(self):
        self.assertEqual(self.answer("/api/x", script_name="/outer"), "api|/outer/api|/x")

    def test_callers_environ_is_not_changed(self):
        environ = make_environ("/api/x")

        def start_response(status, headers, exc_info=None):
            pass

        b"".join(self.dispatcher(environ, start_response))
        self.assertEqual((environ["SCRIPT_NAME"], environ["PATH_INFO"]), ("", "/api/x"))

    def test_default_fallback_is_404(self):
        result = call(Dispatcher({"/a": recorder("a")}), "/b")
        self.assertEqual(result.code, 404)
        self.assertIn(b"Not Found", result.body)
        self.assertIsInstance(Dispatcher().fallback, NotFoundApp)

    def test_non_ascii_mounts(self):
        dispatcher = Dispatcher({"/caf\u00e9": recorder("cafe")})
        # The environ holds the UTF-8 bytes as latin-1 characters.
        self.assertEqual(call(dispatcher, "/caf%C3%A9/menu").body, "cafe|/caf\u00c3\u00a9|/menu".encode("latin-1"))

    def test_bad_mounts_are_refused(self):
        with self.assertRaisesRegex(ValueError, "fallback instead"):
            Dispatcher({"/": recorder("root")})
        with self.assertRaisesRegex(ValueError, "two apps are mounted at '/a'"):
            Dispatcher([("/a", recorder("x")), ("/a/", recorder("y"))])
        with self.assertRaisesRegex(TypeError, "not callable"):
            Dispatcher({"/a": "not an app"})

    def test_split(self):
        self.assertEqual(self.dispatcher.split("/api/v2/x"), ("/api/v2", "/x"))
        self.assertIsNone(self.dispatcher.split("/other"))

    def test_script_name_plus_path_info_is_unchanged(self):
        # The property from the issue, on random mount tables and paths.
        rng = random.Random(4)
        segments = ["a", "b", "ab", "", "c"]
        for _ in range(300):
            mounts = {"/" + "/".join(rng.choice(segments[:3]) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 4))}
            dispatcher = Dispatcher({m: recorder(m) for m in mounts}, fallback=recorder("none"))
            path = "".join("/" + rng.choice(segments) for _ in range(rng.randint(0, 5)))
            script = rng.choice(["", "/root"])
            name, script_after, path_after = call(dispatcher, path or "", script_name=script, validate=False).text.split("|")
            self.assertEqual(script_after + path_after, script + path, (mounts, path))
            if name != "none":
                self.assertEqual(script_after, script + name)

    @unittest.skipIf(DispatcherMiddleware is None, "werkzeug is not installed")
    def test_same_choices_as_werkzeug(self):
        mounts = {"/api": recorder("api"), "/api/v2": recorder("v2"), "/static": recorder("static")}
        ours = Dispatcher(mounts, fallback=recorder("fallback"))
        theirs = DispatcherMiddleware(recorder("fallback"), mounts)
        for path in ["", "/", "/api", "/api/", "/api/v2", "/api/v2/", "/api/v2/x/y", "/apix", "/static/css/a.css", "/x/api"]:
            with self.subTest(path=path):
                self.assertEqual(call(ours, path, validate=False).text, call(theirs, path, validate=False).text)


if __name__ == "__main__":
    unittest.main()
