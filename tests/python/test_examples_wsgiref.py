"""Drive every app in python-examples/ in-process, through wsgiref.validate.

No sockets and no server: each test builds an environ by hand, fills in the
rest with ``wsgiref.util.setup_testing_defaults``, wraps the app with
``wsgiref.validate.validator`` (which raises AssertionError on any breach of
PEP 3333 it can see), consumes the whole response iterable and closes it.
Warnings are errors while an app runs, so a ``WSGIWarning`` fails the test.

Run from the repository root:

    .venv/bin/python -m unittest discover -s tests/python -v
"""

import hashlib
import importlib
import io
import json
import re
import sys
import unittest
import warnings
from http.cookies import SimpleCookie
from pathlib import Path
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

EXAMPLES = Path(__file__).resolve().parents[2] / "python-examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


def load(module_name):
    """Import an example app module by name (from python-examples/)."""
    with warnings.catch_warnings():
        # WebOb 1.8 imports the standard library's `cgi` module, which warns
        # that it is deprecated (Python 3.11+).  That is the library's import,
        # not a WSGI problem, so only that one warning is let through here.
        warnings.filterwarnings(
            "ignore", message="'cgi' is deprecated", category=DeprecationWarning
        )
        return importlib.import_module(module_name)


class Result:
    def __init__(self, status, headers, chunks, errors):
        self.status = status
        self.code = int(status.split()[0])
        self.headers = headers
        self.chunks = chunks
        self.body = b"".join(chunks)
        self.errors = errors

    def header(self, name):
        """The first value of a header (case-insensitive), or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        content_type = self.header("Content-Type") or ""
        assert content_type.startswith("application/json"), content_type
        return json.loads(self.body)

    def __repr__(self):
        return f"<Result {self.status} {self.body[:200]!r}>"


def call(app, method="GET", path="/", query="", body=b"", content_type=None,
         headers=None, script_name="", environ_out=None):
    """Call ``app`` once through the validator and return a Result."""
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    if body or method in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    errors = environ["wsgi.errors"]

    seen = {}
    written = []

    def start_response(status, response_headers, exc_info=None):
        if exc_info is not None and "status" in seen:
            raise exc_info[1].with_traceback(exc_info[2])
        seen["status"] = status
        seen["headers"] = list(response_headers)
        return written.append

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iterable = validator(app)(environ, start_response)
        try:
            chunks = list(iterable)
        finally:
            iterable.close()
    assert "status" in seen, "start_response was never called"
    if environ_out is not None:
        # The dict the app was handed, after the call: a middleware must not
        # have rewritten it.
        environ_out.update(environ)
    return Result(seen["status"], seen["headers"], written + chunks,
                  errors.getvalue())


# ------------------------------------------------------------ plain WSGI apps

class HelloTest(unittest.TestCase):
    def setUp(self):
        self.app = load("hello").application

    def test_hello(self):
        r = call(self.app)
        self.assertEqual(r.status, "200 OK")
        self.assertEqual(r.body, b"Hello, World!\n")
        self.assertEqual(r.header("Content-Length"), "14")
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))

    def test_any_path_and_method(self):
        r = call(self.app, method="POST", path="/anything", body=b"x=1",
                 content_type="application/x-www-form-urlencoded")
        self.assertEqual(r.code, 200)
        self.assertEqual(r.body, b"Hello, World!\n")


class EnvironDumpTest(unittest.TestCase):
    def setUp(self):
        self.app = load("environ_dump").application

    def test_dump(self):
        r = call(self.app, path="/dump/me", query="x=1",
                 headers={"X-Demo": "yes"})
        self.assertEqual(r.code, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        self.assertIn("utf-8", r.header("Content-Type"))
        text = r.body.decode("utf-8")
        self.assertIn("'PATH_INFO': '/dump/me'", text)
        self.assertIn("'QUERY_STRING': 'x=1'", text)
        self.assertIn("'HTTP_X_DEMO': 'yes'", text)
        self.assertIn("'wsgi.url_scheme': 'http'", text)
        self.assertEqual(r.header("Content-Length"), str(len(r.body)))

    def test_odd_characters_do_not_crash(self):
        # PEP 3333: raw bytes arrive decoded as latin-1.
        r = call(self.app, path="/caf\xc3\xa9")
        self.assertEqual(r.code, 200)


CTIME = re.compile(rb"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n$")


class ClockTest(unittest.TestCase):
    def setUp(self):
        self.app = load("clock").application

    def test_get_root_is_the_time(self):
        r = call(self.app)
        self.assertEqual(r.status, "200 OK")
        self.assertRegex(r.body, CTIME)

    def test_query_string_does_not_change_the_path(self):
        self.assertEqual(call(self.app, query="x=1").code, 200)

    def test_other_path_is_404(self):
        r = call(self.app, path="/elsewhere")
        self.assertEqual(r.status, "404 Not Found")

    def test_other_method_is_501(self):
        self.assertEqual(call(self.app, method="POST").status, "501 Not Implemented")
        self.assertEqual(call(self.app, method="DELETE").code, 501)
        # The method is checked before the path.
        self.assertEqual(call(self.app, method="PUT", path="/x").code, 501)

    def test_any_host_is_served(self):
        # No Host check: the app must work behind a proxy.
        r = call(self.app, headers={"Host": "example.test:8080"})
        self.assertEqual(r.code, 200)


class DispatcherTest(unittest.TestCase):
    def setUp(self):
        self.module = load("dispatcher")
        self.app = self.module.application

    def test_patterns(self):
        self.assertEqual(
            self.module.URL_PATTERNS,
            (("hi/", "say_hi"), ("hello/", "say_hello")),
        )

    def test_hi(self):
        r = call(self.app, path="/hi/")
        self.assertEqual(r.status, "200 OK")
        self.assertTrue(r.body.startswith(b"Hi!\n"))
        self.assertIn(b"SCRIPT_NAME='/hi'", r.body)
        self.assertIn(b"PATH_INFO='/'", r.body)

    def test_prefix_moves_to_script_name(self):
        r = call(self.app, path="/hi/there/again")
        self.assertIn(b"SCRIPT_NAME='/hi'", r.body)
        self.assertIn(b"PATH_INFO='/there/again'", r.body)
        r = call(self.app, path="/hi/there", script_name="/mounted")
        self.assertIn(b"SCRIPT_NAME='/mounted/hi'", r.body)
        self.assertIn(b"PATH_INFO='/there'", r.body)

    def test_caller_environ_is_not_changed(self):
        environ = {}
        call(self.app, path="/hi/x", environ_out=environ)
        self.assertEqual(environ["PATH_INFO"], "/hi/x")
        self.assertEqual(environ["SCRIPT_NAME"], "")

    def test_hello_with_and_without_name(self):
        r = call(self.app, path="/hello/", query="name=x")
        self.assertEqual(r.status, "200 OK")
        self.assertEqual(r.body, b"Hello, x!\n")
        r = call(self.app, path="/hello/", query="name=Zo%C3%AB")
        self.assertEqual(r.body, "Hello, Zoë!\n".encode("utf-8"))
        r = call(self.app, path="/hello/")
        self.assertEqual(r.body, b"Hello, stranger!\n")

    def test_unknown_paths_are_404(self):
        for path in ("/", "/nope", "/hi", "/hell/", "/h/", "/xhi/"):
            with self.subTest(path=path):
                r = call(self.app, path=path)
                self.assertEqual(r.status, "404 Not Found")
                self.assertEqual(r.body, b"Page does not exist\n")

    def test_custom_apps(self):
        def inner(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

        app = self.module.Dispatcher((("api/", "inner"),), apps={"inner": inner})
        self.assertEqual(call(app, path="/api/v1").body, b"/api|/v1")
        self.assertEqual(call(app, path="/other").code, 404)


if __name__ == "__main__":
    unittest.main()
