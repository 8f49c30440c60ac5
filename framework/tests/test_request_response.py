"""Request (what the client sent) and Response (what the app sends)."""

import datetime
import json
import unittest
from http.cookies import SimpleCookie

from support import call, make_environ, multipart

from wsgi_framework import BadRequest, BadRequestKeyError, Headers, Request, Response, UnsupportedMediaType, jsonify, redirect


class RequestTests(unittest.TestCase):
    def test_url_parts(self):
        environ = make_environ(
            "/users/caf%C3%A9", query="a=1&b=x%20y", script_name="/app", headers={"Host": "example.test:8080"}
        )
        request = Request(environ)
        self.assertEqual(request.method, "GET")
        self.assertEqual(request.path, "/users/caf\u00e9")
        self.assertEqual(request.script_root, "/app")
        self.assertEqual(request.host, "example.test:8080")
        self.assertEqual(request.url_root, "http://example.test:8080/app/")
        self.assertEqual(request.base_url, "http://example.test:8080/app/users/caf%C3%A9")
        self.assertEqual(request.url, "http://example.test:8080/app/users/caf%C3%A9?a=1&b=x%20y")
        self.assertEqual(request.full_path, "/users/caf\u00e9?a=1&b=x%20y")

    def test_args_are_multi_valued(self):
        request = Request(make_environ("/", query="tag=a&tag=b&n=5&empty="))
        self.assertEqual(request.args["tag"], "a")
        self.assertEqual(request.args.getlist("tag"), ["a", "b"])
        self.assertEqual(request.args.get("n", type=int), 5)
        self.assertEqual(request.args.get("tag", 0, type=int), 0)
        self.assertEqual(request.args["empty"], "")
        self.assertIsNone(request.args.get("missing"))
        with self.assertRaises(BadRequestKeyError) as caught:
            request.args["missing"]
        self.assertIsInstance(caught.exception, KeyError)
        self.assertEqual(caught.exception.code, 400)

    def test_headers_are_case_insensitive(self):
        request = Request(make_environ("/", headers={"X-Custom-Thing": "1", "Content-Type": "text/plain", "User-Agent": "t"}))
        self.assertEqual(request.headers["x-custom-thing"], "1")
        self.assertEqual(request.headers["X-CUSTOM-THING"], "1")
        self.assertEqual(request.headers.get("content-type"), "text/plain")
        self.assertIn("user-agent", request.headers)
        self.assertNotIn("Content-Length", request.headers)  # CONTENT_LENGTH absent or empty

    def test_cookies(self):
        request = Request(make_environ("/", headers={"Cookie": 'session=abc; theme="dark mode"; n=1'}))
        self.assertEqual(request.cookies["session"], "abc")
        self.assertEqual(request.cookies["theme"], "dark mode")
        self.assertEqual(request.cookies.to_dict(), {"session": "abc", "theme": "dark mode", "n": "1"})

    def test_urlencoded_form(self):
        body = "name=Ada+Lovelace&lang=en&lang=fr&city=Z%C3%BCrich".encode()
        request = Request(
            make_environ("/", "POST", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        )
        self.assertEqual(request.form["name"], "Ada Lovelace")
        self.assertEqual(request.form.getlist("lang"), ["en", "fr"])
        self.assertEqual(request.form["city"], "Z\u00fcrich")
        self.assertEqual(len(request.files), 0)
        self.assertEqual(request.data, body)

    def test_multipart_with_files(self):
        body, content_type = multipart(
            {"title": "caf\u00e9 report"},
            {"upload": ("notes.txt", b"line 1\r\nline 2\x00\xff", "text/plain"), "empty": ("", b"", "application/octet-stream")},
        )
        request = Request(make_environ("/", "POST", body=body, headers={"Content-Type": content_type}))
        self.assertEqual(request.form["title"], "caf\u00e9 report")
        upload = request.files["upload"]
        self.assertEqual((upload.filename, upload.content_type, upload.name), ("notes.txt", "text/plain", "upload"))
        self.assertEqual(upload.read(), b"line 1\r\nline 2\x00\xff")
        self.assertFalse(request.files["empty"])

    def test_malformed_multipart_is_400(self):
        request = Request(
            make_environ("/", "POST", body=b"--x\r\nno headers end", headers={"Content-Type": "multipart/form-data; boundary=x"})
        )
        with self.assertRaises(BadRequest):
            request.form

    def test_json(self):
        payload = {"a": [1, 2], "b": "\u00e9"}
        request = Request(
            make_environ("/", "POST", body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
        )
        self.assertTrue(request.is_json)
        self.assertEqual(request.json, payload)
        not_json = Request(make_environ("/", "POST", body=b"{}", headers={"Content-Type": "text/plain"}))
        with self.assertRaises(UnsupportedMediaType):
            not_json.json
        self.assertEqual(not_json.get_json(force=True), {})
        broken = Request(make_environ("/", "POST", body=b"{nope", headers={"Content-Type": "application/json"}))
        with self.assertRaises(BadRequest):
            broken.get_json()
        self.assertIsNone(broken.get_json(silent=True))

    def test_remote_addr_and_method(self):
        request = Request(make_environ("/", "post", REMOTE_ADDR="192.0.2.7"))
        self.assertEqual(request.remote_addr, "192.0.2.7")
        self.assertEqual(request.method, "POST")

    def test_body_without_length(self):
        environ = make_environ("/", "POST", body=b"chunked body")
        del environ["CONTENT_LENGTH"]
        self.assertEqual(Request(dict(environ)).data, b"")  # no length, no promise: not read
        environ["wsgi.input_terminated"] = True
        environ["wsgi.input"].seek(0)
        self.assertEqual(Request(environ).data, b"chunked body")


class ResponseTests(unittest.TestCase):
    def test_defaults(self):
        response = Response("caf\u00e9")
        self.assertEqual(response.status, "200 OK")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content_type, "text/html; charset=utf-8")
        self.assertEqual(response.data, "caf\u00e9".encode())
        self.assertEqual(response.headers["Content-Length"], "5")

    def test_status_forms(self):
        self.assertEqual(Response(status=404).status, "404 Not Found")
        self.assertEqual(Response(status="201").status, "201 Created")
        self.assertEqual(Response(status="299 Custom").status_code, 299)
        with self.assertRaises(ValueError):
            Response(status="OK")

    def test_content_type(self):
        response = Response(b"\x89PNG", mimetype="image/png")
        self.assertEqual(response.content_type, "image/png")
        response.content_type = "text/plain; charset=latin-1"
        self.assertEqual(response.mimetype, "text/plain")
        self.assertEqual(Response("x", mimetype="text/plain").content_type, "text/plain; charset=utf-8")

    def test_set_cookie(self):
        response = Response("ok")
        response.set_cookie("session", "a b;c", max_age=datetime.timedelta(hours=1), httponly=True, samesite="Lax")
        response.set_cookie("plain", "1", expires=datetime.datetime(2030, 1, 2, 3, 4, 5), secure=True)
        response.delete_cookie("old")
        cookies = response.headers.getlist("Set-Cookie")
        self.assertEqual(len(cookies), 3)
        self.assertEqual(cookies[0], 'session="a b\\073c"; Max-Age=3600; HttpOnly; Path=/; SameSite=Lax')
        self.assertIn("Expires=Wed, 02 Jan 2030 03:04:05 GMT", cookies[1])
        self.assertIn("Max-Age=0", cookies[2])
        # Python's own cookie parser reads our quoting back.
        parsed = SimpleCookie()
        parsed.load(cookies[0])
        self.assertEqual(parsed["session"].value, "a b;c")
        with self.assertRaises(ValueError):
            response.set_cookie("bad name", "x")

    def test_json_and_redirect_helpers(self):
        response = Response.from_json({"\u00e9": [1, None]}, status=201)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.mimetype, "application/json")
        self.assertEqual(response.get_json(), {"\u00e9": [1, None]})
        self.assertEqual(jsonify(a=1).get_json(), {"a": 1})
        self.assertEqual(jsonify([1, 2]).get_json(), [1, 2])
        moved = redirect("/new place?q=1", 301)
        self.assertEqual((moved.status_code, moved.location), (301, "/new%20place?q=1"))
        self.assertEqual(Response.redirect("/x").status_code, 302)
        self.assertIn(b'href="/x"', Response.redirect("/x").data)

    def test_a_response_is_a_wsgi_app(self):
        response = Response("hello", headers={"X-Test": "1"})
        result = call(response, "/anything")
        self.assertEqual((result.code, result.body, result.header("x-test")), (200, b"hello", "1"))
        head = call(response, "/anything", method="HEAD")
        self.assertEqual((head.body, head.header("Content-Length")), (b"", "5"))

    def test_streamed_body(self):
        response = Response(iter([b"a", b"b"]), mimetype="text/plain")
        self.assertEqual(call(response, "/").body, b"ab")

    def test_header_injection_is_refused(self):
        with self.assertRaisesRegex(ValueError, "newline"):
            Response("x", headers={"X-Bad": "a\r\nSet-Cookie: evil=1"})
        with self.assertRaisesRegex(ValueError, "not a valid header name"):
            Headers([("Bad Name", "x")])


class HeadersTests(unittest.TestCase):
    def test_multi_valued_and_ordered(self):
        headers = Headers([("A", "1"), ("b", "2"), ("a", "3")])
        self.assertEqual(headers["a"], "1")
        self.assertEqual(headers.getlist("A"), ["1", "3"])
        headers["A"] = "x"
        self.assertEqual(headers.items(), [("A", "x"), ("b", "2")])
        headers.add("Set-Cookie", "a=1")
        headers.add("Set-Cookie", "b=2")
        self.assertEqual(list(headers)[-2:], [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        del headers["set-cookie"]
        self.assertNotIn("Set-Cookie", headers)
        self.assertEqual(headers.get("Content-Length", type=int), None)
        headers.set("Content-Length", 12)
        self.assertEqual(headers.get("content-length", type=int), 12)
        self.assertEqual(headers.pop("b"), "2")
        self.assertEqual(len(headers), 2)
        with self.assertRaises(KeyError):
            headers["missing"]

    def test_from_dict_with_lists(self):
        headers = Headers({"Set-Cookie": ["a=1", "b=2"], "X": "y"})
        self.assertEqual(headers.to_wsgi_list(), [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X", "y")])
        self.assertEqual(headers, [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X", "y")])


if __name__ == "__main__":
    unittest.main()
