"""Drive every app in python-examples/ in-process, through wsgiref.validate.

No sockets and no server: each test builds an environ by hand, fills in the
rest with ``wsgiref.util.setup_testing_defaults``, wraps the app with
``wsgiref.validate.validator`` (which raises AssertionError on any breach of
PEP 3333 it can see), consumes the whole response iterable and closes it.
Warnings are errors while an app runs, so a ``WSGIWarning`` fails the test,
and so does a ``ResourceWarning`` (say, an unclosed temporary file) raised
when the request's leftovers are garbage-collected afterwards.

The framework apps (flask_app, bottle_app, django_app, werkzeug_app,
webob_app) share one contract, tested once in ``ContractMixin``.

Run from the repository root:

    .venv/bin/python -m unittest discover -s tests/python -v
"""

import gc
import hashlib
import importlib
import io
import json
import re
import sys
import traceback
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
    # Whatever the request left behind (parsed forms, spooled uploads) is
    # dropped now.  A warning raised while it is collected (ResourceWarning:
    # an unclosed temporary file) cannot propagate out of __del__, so it is
    # recorded and turned into a failure here.
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        del iterable, environ
        gc.collect()
    assert not leaked, [str(w.message) for w in leaked]
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



# ------------------------------------------------------ the framework contract

BOUNDARY = "----wsgi-from-scratch-boundary-7MA4YWxkTrZu0gW"
FORM = "application/x-www-form-urlencoded"
# Bytes of every value, CR/LF pairs and something that looks like a boundary
# line, so a sloppy multipart parser would show.
FILE_DATA = (bytes(range(256)) * 300 + b"\r\n--not-the-boundary\r\n" + b"end")


def multipart(parts):
    """Build a multipart/form-data body by hand.

    ``parts`` is a list of ``(name, value)`` for text fields or
    ``(name, (filename, content_type, data))`` for files.
    """
    out = []
    for name, value in parts:
        out.append(f"--{BOUNDARY}\r\n".encode())
        if isinstance(value, tuple):
            filename, ctype, data = value
            out.append(
                f'Content-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n".encode()
            )
            out.append(data)
        else:
            out.append(
                f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            )
            out.append(value.encode("utf-8"))
        out.append(b"\r\n")
    out.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={BOUNDARY}"


class ContractMixin:
    """The routes every framework example answers identically."""

    module_name = None

    @classmethod
    def setUpClass(cls):
        # staticmethod: a plain function stored on a class would otherwise
        # become a bound method and receive `self`.
        cls.app = staticmethod(load(cls.module_name).application)

    def request(self, *args, **kwargs):
        return call(self.app, *args, **kwargs)

    # -- GET /query
    def test_query(self):
        r = self.request(path="/query", query="name=Ada&tag=a&tag=b")
        self.assertEqual(r.code, 200)
        self.assertEqual(r.json(), {"name": "Ada", "tags": ["a", "b"]})

    def test_query_defaults(self):
        r = self.request(path="/query")
        self.assertEqual(r.code, 200)
        self.assertEqual(r.json(), {"name": "world", "tags": []})

    def test_query_utf8(self):
        r = self.request(path="/query", query="name=Zo%C3%AB&tag=%E2%9C%93")
        self.assertEqual(r.json(), {"name": "Zoë", "tags": ["✓"]})

    # -- POST /form
    def test_form(self):
        body = b"a=1&b=2&b=3&empty=&city=K%C3%B6ln&sp=x+y"
        r = self.request("POST", "/form", body=body, content_type=FORM)
        self.assertEqual(r.code, 200)
        self.assertEqual(r.json(), {"fields": {
            "a": ["1"], "b": ["2", "3"], "empty": [""], "city": ["Köln"],
            "sp": ["x y"],
        }})

    def test_form_empty(self):
        r = self.request("POST", "/form", body=b"", content_type=FORM)
        self.assertEqual(r.code, 200)
        self.assertEqual(r.json(), {"fields": {}})

    # -- POST /json
    def test_json(self):
        sent = {"a": 1, "b": [True, None, 2.5], "s": "é", "nested": {"x": []}}
        r = self.request("POST", "/json", body=json.dumps(sent).encode(),
                         content_type="application/json")
        self.assertEqual(r.code, 200)
        self.assertEqual(r.json(), {"received": sent})

    def test_json_scalars(self):
        for text, value in (("null", None), ("[1, 2]", [1, 2]), ('"hi"', "hi")):
            with self.subTest(text=text):
                r = self.request("POST", "/json", body=text.encode(),
                                 content_type="application/json")
                self.assertEqual(r.code, 200)
                self.assertEqual(r.json(), {"received": value})

    def test_json_invalid_is_400(self):
        for body in (b"{not json", b"", b"\xff\xfe\x00"):
            with self.subTest(body=body):
                r = self.request("POST", "/json", body=body,
                                 content_type="application/json")
                self.assertEqual(r.code, 400)

    # -- POST /upload
    def test_upload(self):
        body, ctype = multipart([
            ("note", "first draft ✓"),
            ("file", ("notes.txt", "application/octet-stream", FILE_DATA)),
        ])
        r = self.request("POST", "/upload", body=body, content_type=ctype)
        self.assertEqual(r.code, 200, r.body[:500])
        self.assertEqual(r.json(), {
            "filename": "notes.txt",
            "size": len(FILE_DATA),
            "sha256": hashlib.sha256(FILE_DATA).hexdigest(),
            "note": "first draft ✓",
        })

    def test_upload_large(self):
        # Big enough that every framework spools the file to a temporary
        # file on disk (Django's in-memory limit is 2.5 MB) instead of memory.
        data = FILE_DATA * 40  # about 3 MB
        body, ctype = multipart([
            ("file", ("big.bin", "application/octet-stream", data)),
        ])
        r = self.request("POST", "/upload", body=body, content_type=ctype)
        self.assertEqual(r.code, 200, r.body[:500])
        self.assertEqual(r.json()["size"], len(data))
        self.assertEqual(r.json()["sha256"], hashlib.sha256(data).hexdigest())

    def test_upload_without_note(self):
        body, ctype = multipart([("file", ("empty.bin", "text/plain", b""))])
        r = self.request("POST", "/upload", body=body, content_type=ctype)
        self.assertEqual(r.code, 200, r.body[:500])
        self.assertEqual(r.json(), {
            "filename": "empty.bin",
            "size": 0,
            "sha256": hashlib.sha256(b"").hexdigest(),
            "note": None,
        })

    def test_upload_without_file_is_400(self):
        body, ctype = multipart([("note", "no file here")])
        r = self.request("POST", "/upload", body=body, content_type=ctype)
        self.assertEqual(r.code, 400)

    # -- GET /redirect
    def test_redirect(self):
        r = self.request(path="/redirect")
        self.assertEqual(r.code, 302)
        self.assertTrue(r.header("Location").endswith("/query?name=redirected"),
                        r.header("Location"))

    # -- cookies
    def test_cookie_set(self):
        r = self.request(path="/cookie/set")
        self.assertEqual(r.code, 200)
        cookies = r.header_all("Set-Cookie")
        self.assertEqual(len(cookies), 1, cookies)
        jar = SimpleCookie(cookies[0].strip())
        self.assertEqual(jar["flavour"].value, "oatmeal")
        self.assertEqual(jar["flavour"]["path"], "/")

    def test_cookie_get(self):
        r = self.request(path="/cookie/get",
                         headers={"Cookie": "other=1; flavour=oatmeal"})
        self.assertEqual(r.code, 200)
        self.assertEqual(r.json(), {"flavour": "oatmeal"})

    def test_cookie_get_without_cookie(self):
        r = self.request(path="/cookie/get")
        self.assertEqual(r.code, 200)
        self.assertEqual(r.json(), {"flavour": None})

    # -- GET /stream
    def test_stream(self):
        r = self.request(path="/stream")
        self.assertEqual(r.code, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        expected = [f"chunk {i}\n".encode() for i in range(5)]
        self.assertEqual(r.body, b"".join(expected))
        # Streamed: one chunk per item, and no length known up front.
        self.assertEqual([c for c in r.chunks if c], expected)
        self.assertIsNone(r.header("Content-Length"))

    # -- GET /error
    def request_error(self):
        """GET /error; return the result and what the app logged."""
        r = self.request(path="/error")
        return r, r.errors  # most of them log to wsgi.errors

    def test_error_is_500(self):
        r, log = self.request_error()
        self.assertEqual(r.code, 500)
        self.assertNotIn(b"boom", r.body)  # debug is off: no traceback shown
        self.assertIn("RuntimeError: boom", log)  # ...but it is logged

    # -- a known path with the wrong method
    def test_wrong_method_is_405(self):
        for method, path in (("POST", "/query"), ("GET", "/form"),
                             ("GET", "/upload"), ("PUT", "/json"),
                             ("DELETE", "/cookie/get")):
            with self.subTest(method=method, path=path):
                r = self.request(method, path, body=b"x=1", content_type=FORM)
                self.assertEqual(r.code, 405)

    def test_head_is_allowed_where_get_is(self):
        r = self.request("HEAD", "/query")
        self.assertEqual(r.code, 200)

    # -- anything else
    def test_unknown_path_is_404(self):
        for method, path in (("GET", "/nope"), ("GET", "/query/extra"),
                             ("POST", "/nope")):
            with self.subTest(method=method, path=path):
                r = self.request(method, path, body=b"x=1", content_type=FORM)
                self.assertEqual(r.code, 404)


class GreetingMixin:
    greeting = None

    def test_index(self):
        r = self.request()
        self.assertEqual(r.code, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        self.assertEqual(r.body, self.greeting)

    def test_index_other_method_is_405(self):
        r = self.request("POST", "/", body=b"x=1", content_type=FORM)
        self.assertEqual(r.code, 405)


class ClockIndexMixin:
    def test_index_is_the_clock(self):
        r = self.request()
        self.assertEqual(r.code, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        self.assertRegex(r.body, CTIME)

    def test_index_other_method_is_501(self):
        for method in ("POST", "PUT", "DELETE"):
            with self.subTest(method=method):
                r = self.request(method, "/", body=b"x=1", content_type=FORM)
                self.assertEqual(r.code, 501)


class FlaskContractTest(GreetingMixin, ContractMixin, unittest.TestCase):
    module_name = "flask_app"
    greeting = b"Hello from Flask!\n"


class BottleContractTest(GreetingMixin, ContractMixin, unittest.TestCase):
    module_name = "bottle_app"
    greeting = b"Hello from Bottle!\n"


class DjangoContractTest(GreetingMixin, ContractMixin, unittest.TestCase):
    module_name = "django_app"
    greeting = b"Hello from Django!\n"

    def test_any_host_is_allowed(self):
        # ALLOWED_HOSTS = ["*"]: no 400 "Invalid HTTP_HOST header" when the
        # app is reached by an IP address or another name.
        for host in ("192.0.2.10:8080", "example.test", "localhost:8000"):
            with self.subTest(host=host):
                r = self.request(headers={"Host": host})
                self.assertEqual(r.code, 200)

    def request_error(self):
        # Django logs through the `logging` module (django.request), not to
        # wsgi.errors; assertLogs captures it (and keeps stderr quiet).
        with self.assertLogs("django.request", "ERROR") as logs:
            r = self.request(path="/error")
        text = "".join(
            "".join(traceback.format_exception(*record.exc_info))
            for record in logs.records if record.exc_info
        )
        return r, text


class WerkzeugContractTest(ClockIndexMixin, ContractMixin, unittest.TestCase):
    module_name = "werkzeug_app"


class WebObContractTest(ClockIndexMixin, ContractMixin, unittest.TestCase):
    module_name = "webob_app"


if __name__ == "__main__":
    unittest.main()
