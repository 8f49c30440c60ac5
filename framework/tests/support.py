"""A tiny test client: calls a WSGI app the way a server would, through
``wsgiref.validate`` so every exchange is also checked against PEP 3333."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from urllib.parse import quote
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator


@dataclass
class Result:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    environ: dict = field(default_factory=dict)

    @property
    def code(self) -> int:
        return int(self.status[:3])

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_list(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


def make_environ(
    path: str = "/",
    method: str = "GET",
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    script_name: str = "",
    **extra,
) -> dict:
    """An environ as a server builds it: PATH_INFO percent-decoded, then
    stored as bytes-in-a-str (latin-1)."""
    from urllib.parse import unquote_to_bytes

    environ: dict = {}
    environ["REQUEST_METHOD"] = method
    environ["SCRIPT_NAME"] = script_name
    environ["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1")
    environ["QUERY_STRING"] = query
    environ["wsgi.input"] = io.BytesIO(body)
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    environ.update(extra)
    setup_testing_defaults(environ)
    return environ


def call(app, path: str = "/", method: str = "GET", validate: bool = True, **kwargs) -> Result:
    environ = make_environ(path, method, **kwargs)
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers
        return lambda data: None

    target = validator(app) if validate else app
    iterable = target(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return Result(seen["status"], seen["headers"], body, environ)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]], boundary: str = "XyZzY") -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type."""
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode("utf-8") + b"\r\n")
    for name, (filename, data, content_type) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


__all__ = ["Result", "call", "make_environ", "multipart", "quote"]
