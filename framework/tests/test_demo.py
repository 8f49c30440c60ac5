"""python-examples/framework_demo.py under wsgiref.validate, in-process:
every page of the demo is a well-behaved PEP 3333 exchange."""

import sys
import unittest
from pathlib import Path

from support import call

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python-examples"))
import framework_demo  # noqa: E402

EXPECTED = [
    ("GET", "/hi/there", 200, "PATH_INFO='/there'"),
    ("GET", "/hello/", 200, "Hello, stranger!"),
    ("GET", "/app/", 200, '"mounted_at":"/app"'),
    ("GET", "/app/hello/caf%C3%A9", 200, "Hello, caf\u00e9!"),
    ("GET", "/app/users/42", 200, '"type":"int"'),
    ("HEAD", "/app/users/42", 200, ""),
    ("DELETE", "/app/users/42", 200, '"deleted":42'),
    ("POST", "/app/users/42", 405, "Method Not Allowed"),
    ("GET", "/app/users/0", 404, "There is no user 0."),
    ("GET", "/app/files/a/b.txt", 200, '"segments":["a","b.txt"]'),
    ("GET", "/app/price/2.50", 200, '"amount":2.5'),
    ("GET", "/app/docs", 308, "/app/docs/"),
    ("GET", "/app", 308, "/app/"),
    ("GET", "/nowhere", 404, "Not Found"),
]


class DemoTests(unittest.TestCase):
    def test_every_page_under_the_validator(self):
        for method, path, status, snippet in EXPECTED:
            with self.subTest(method=method, path=path):
                result = call(framework_demo.application, path, method=method)
                self.assertEqual(result.code, status)
                self.assertIn(snippet, result.text)

    def test_echo_form_and_files(self):
        from support import multipart

        body, content_type = multipart({"a": "1"}, {"f": ("x.txt", b"data", "text/plain")})
        result = call(
            framework_demo.application, "/app/echo", method="POST", query="q=1&q=2", body=body,
            headers={"Content-Type": content_type},
        )
        self.assertEqual(
            result.json(), {"args": {"q": ["1", "2"]}, "form": {"a": ["1"]}, "files": {"f": "x.txt"}, "json": None}
        )


if __name__ == "__main__":
    unittest.main()
