"""wsgi_framework: a small, exact WSGI framework with a Rust core.

The parts a Python developer touches are here, in Python, where Python is
clearer: ``App`` (routes, views, errors), ``Request``, ``Response``,
``abort``, ``redirect``, ``jsonify``.  The parts that run on every request,
and are easy to get subtly wrong, are written in Rust (``wsgi_framework._core``):
the ``Router`` (a segment trie), the ``Dispatcher`` middleware, ``Headers``,
percent-decoding of paths and query strings, cookies and multipart bodies.

A first app::

    from wsgi_framework import App, request

    app = App(__name__)

    @app.route("/hello/<name>")
    def hello(name):
        return f"Hello, {name}!"

    @app.route("/users/<int:id>", methods=["GET", "DELETE"])
    def user(id):
        if request.method == "DELETE":
            return {"deleted": id}
        return {"id": id, "url": app.url_for("user", id=id)}

Serve it with ``wsgi-server module:app`` (the module is built into the
server) or any WSGI server (``gunicorn module:app``, after
``pip install ./framework``).

This one file is used both ways: pip installs it next to the compiled
``_core``; wsgi-server compiles its source into the binary and runs it as
the built-in module ``wsgi_framework``.  Keep it free of ``__file__`` and of
imports of sibling ``.py`` files, which the built-in copy does not have.
"""

from __future__ import annotations

import contextvars
import datetime as _datetime
import io
import json as _json
import shutil
import sys
import traceback
import typing as t

from ._core import (
    BuildError,
    Dispatcher,
    Headers,
    Match,
    NotFoundApp,
    Router,
    RuleError,
    dump_cookie,
    error_page,
    host_url,
    http_date,
    parse_cookie,
    parse_multipart,
    parse_options_header,
    parse_query,
    quote,
    redirect_page,
    status_line,
    text_to_wsgi,
    unquote,
    urlencode,
    wsgi_to_text,
)

__all__ = [
    "App",
    "BadRequest",
    "BadRequestKeyError",
    "BuildError",
    "Dispatcher",
    "FileStorage",
    "Forbidden",
    "HTTPException",
    "Headers",
    "InternalServerError",
    "Match",
    "MethodNotAllowed",
    "MultiDict",
    "NotFound",
    "Request",
    "RequestEntityTooLarge",
    "RequestRedirect",
    "Response",
    "Router",
    "RuleError",
    "Unauthorized",
    "UnsupportedMediaType",
    "abort",
    "jsonify",
    "quote",
    "redirect",
    "request",
    "unquote",
    "url_for",
    "urlencode",
]

__version__ = "0.1.0"

# Characters left as they are when a path goes into a URL (the URL
# standard's path-segment set, as in werkzeug).
_PATH_SAFE = "!$&'()*+,/:;=@"


# --------------------------------------------------------------------------
# Multi-valued dictionaries and uploaded files


class MultiDict:
    """A dict where a key may have several values, in order (query strings,
    forms, cookies).  ``d[key]`` and ``d.get(key)`` give the first value;
    ``d.getlist(key)`` gives them all.
    """

    def __init__(self, items: t.Any = ()) -> None:
        self._lists: dict[str, list[t.Any]] = {}
        pairs = items.items() if hasattr(items, "items") else items
        for key, value in pairs:
            self.add(key, value)

    def add(self, key: str, value: t.Any) -> None:
        """Adds a value for ``key``, keeping the ones already there."""
        self._lists.setdefault(key, []).append(value)

    def _missing(self, key: str) -> Exception:
        return KeyError(key)

    def __getitem__(self, key: str) -> t.Any:
        if key in self._lists:
            return self._lists[key][0]
        raise self._missing(key)

    def __setitem__(self, key: str, value: t.Any) -> None:
        self._lists[key] = [value]

    def __delitem__(self, key: str) -> None:
        del self._lists[key]

    def get(self, key: str, default: t.Any = None, type: t.Callable[[t.Any], t.Any] | None = None) -> t.Any:
        """The first value, or ``default``.  With ``type`` (say ``int``), the
        value is converted, and ``default`` returned if that fails."""
        if key not in self._lists:
            return default
        value = self._lists[key][0]
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: t.Callable[[t.Any], t.Any] | None = None) -> list[t.Any]:
        """Every value for ``key`` (``[]`` if none); converted with ``type``,
        dropping those that fail to convert."""
        values = list(self._lists.get(key, ()))
        if type is None:
            return values
        converted = []
        for value in values:
            try:
                converted.append(type(value))
            except (ValueError, TypeError):
                pass
        return converted

    def __contains__(self, key: object) -> bool:
        return key in self._lists

    def __iter__(self) -> t.Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def keys(self) -> t.KeysView[str]:
        return self._lists.keys()

    def values(self) -> list[t.Any]:
        """The first value of each key."""
        return [values[0] for values in self._lists.values()]

    def items(self, multi: bool = False) -> list[tuple[str, t.Any]]:
        """``(key, first value)`` pairs; with ``multi=True``, every pair."""
        if multi:
            return [(key, value) for key, values in self._lists.items() for value in values]
        return [(key, values[0]) for key, values in self._lists.items()]

    def lists(self) -> list[tuple[str, list[t.Any]]]:
        return [(key, list(values)) for key, values in self._lists.items()]

    def to_dict(self, flat: bool = True) -> dict[str, t.Any]:
        """A plain dict: first values, or (``flat=False``) lists."""
        if flat:
            return {key: values[0] for key, values in self._lists.items()}
        return {key: list(values) for key, values in self._lists.items()}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return self._lists == other._lists
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.items(multi=True)!r})"


class _RequestDict(MultiDict):
    """The request's MultiDicts: a missing key is the client's mistake, so
    ``request.form["x"]`` answers 400 Bad Request, as in Flask."""

    def _missing(self, key: str) -> Exception:
        return BadRequestKeyError(key)


class FileStorage:
    """An uploaded file from a multipart form."""

    def __init__(self, data: bytes, filename: str, name: str, content_type: str | None, headers: Headers) -> None:
        self.stream = io.BytesIO(data)
        self.filename = filename
        self.name = name
        self.content_type = content_type
        self.headers = headers

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)

    def save(self, destination: t.Any) -> None:
        """Writes the file to a path or to an open binary file."""
        self.stream.seek(0)
        if hasattr(destination, "write"):
            shutil.copyfileobj(self.stream, destination)
        else:
            with open(destination, "wb") as out:
                shutil.copyfileobj(self.stream, out)

    def __bool__(self) -> bool:
        # A file input left empty sends a part with filename="".
        return bool(self.filename)

    def __repr__(self) -> str:
        return f"<FileStorage {self.filename!r} ({self.content_type})>"


# --------------------------------------------------------------------------
# HTTP errors


class HTTPException(Exception):
    """An HTTP error that becomes a response: raise it (or call ``abort``)
    anywhere in a view.  An HTTPException is itself a WSGI app."""

    code: int = 500
    description: str | None = None

    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        super().__init__(description or status_line(self.code))
        if description is not None:
            self.description = description
        self.response = response

    @property
    def name(self) -> str:
        return status_line(self.code).split(" ", 1)[1]

    def get_headers(self) -> list[tuple[str, str]]:
        return [("Content-Type", "text/html; charset=utf-8")]

    def get_response(self, environ: dict[str, t.Any] | None = None) -> Response:
        """The response to send: the one given, or an HTML error page."""
        if self.response is not None:
            return self.response
        return Response(error_page(self.code, self.description), self.code, self.get_headers())

    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        return self.get_response(environ)(environ, start_response)

    def __str__(self) -> str:
        return f"{status_line(self.code)}: {self.description or ''}".rstrip(": ")


class BadRequest(HTTPException):
    code = 400


class BadRequestKeyError(BadRequest, KeyError):
    """A key the client should have sent (a form field, a query argument)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"The request is missing the key {key!r}.")
        self.key = key

    def __str__(self) -> str:
        return HTTPException.__str__(self)


class Unauthorized(HTTPException):
    code = 401


class Forbidden(HTTPException):
    code = 403


class NotFound(HTTPException):
    code = 404


class MethodNotAllowed(HTTPException):
    """405, with the ``Allow`` header listing what the URL does take."""

    code = 405

    def __init__(self, valid_methods: t.Iterable[str] = (), description: str | None = None) -> None:
        super().__init__(description)
        self.valid_methods = sorted(set(valid_methods))

    def get_headers(self) -> list[tuple[str, str]]:
        return [*super().get_headers(), ("Allow", ", ".join(self.valid_methods))]


class RequestEntityTooLarge(HTTPException):
    code = 413


class UnsupportedMediaType(HTTPException):
    code = 415


class InternalServerError(HTTPException):
    code = 500


class RequestRedirect(HTTPException):
    """The router's 308: the same URL with a ``/`` added (or ``//`` merged).
    308, unlike 301, tells the client to repeat the method and body."""

    code = 308

    def __init__(self, new_url: str) -> None:
        super().__init__(new_url)
        self.new_url = new_url

    def get_response(self, environ: dict[str, t.Any] | None = None) -> Response:
        return redirect(self.new_url, self.code)


_ERRORS: dict[int, type[HTTPException]] = {
    cls.code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        RequestEntityTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
}


def abort(status: int | Response, description: str | None = None) -> t.NoReturn:
    """Stops the view with an HTTP error: ``abort(404)``,
    ``abort(403, "Members only")``, or ``abort(some_response)``."""
    if isinstance(status, Response):
        raise HTTPException(response=status)
    cls = _ERRORS.get(status)
    if cls is None:
        cls = type(f"HTTPException{status}", (HTTPException,), {"code": status})
    raise cls(description)


# --------------------------------------------------------------------------
# Request


_MISSING = object()


class Request:
    """The request in a WSGI ``environ``, with the parsing done for you.

    Everything is computed on first use and kept: a request that never
    looks at its form never parses one.
    """

    #: Largest body ``get_data`` reads, in bytes; larger gives 413.  ``None``:
    #: no limit here (the server has its own).
    max_content_length: int | None = None

    def __init__(self, environ: dict[str, t.Any]) -> None:
        self.environ = environ
        self._cache: dict[str, t.Any] = {}
        #: Set by ``App`` once routed: the endpoint and the URL's values.
        self.endpoint: str | None = None
        self.view_args: dict[str, t.Any] = {}
        self.url_rule: str | None = None

    def _cached(self, name: str, make: t.Callable[[], t.Any]) -> t.Any:
        value = self._cache.get(name, _MISSING)
        if value is _MISSING:
            value = self._cache[name] = make()
        return value

    # -- the URL ---------------------------------------------------------

    @property
    def method(self) -> str:
        return self.environ.get("REQUEST_METHOD", "GET").upper()

    @property
    def scheme(self) -> str:
        return self.environ.get("wsgi.url_scheme", "http")

    @property
    def path(self) -> str:
        """The path within the app (``PATH_INFO``), decoded: ``/users/é``."""
        return self._cached("path", lambda: "/" + wsgi_to_text(self.environ.get("PATH_INFO", "")).lstrip("/"))

    @property
    def script_root(self) -> str:
        """Where the app is mounted (``SCRIPT_NAME``), decoded, no trailing ``/``."""
        return self._cached("script_root", lambda: wsgi_to_text(self.environ.get("SCRIPT_NAME", "")).rstrip("/"))

    @property
    def query_string(self) -> str:
        """The raw query string, as the client sent it."""
        return self.environ.get("QUERY_STRING", "")

    @property
    def full_path(self) -> str:
        return f"{self.path}?{wsgi_to_text(self.query_string)}"

    @property
    def host_url(self) -> str:
        """``http://host:port/``"""
        return host_url(self.environ) + "/"

    @property
    def host(self) -> str:
        return self.host_url.split("://", 1)[1].rstrip("/")

    @property
    def url_root(self) -> str:
        """``http://host/mount/``: the URL the app's own paths start from."""
        return host_url(self.environ) + quote(self.script_root, _PATH_SAFE) + "/"

    @property
    def base_url(self) -> str:
        """The full URL without the query string."""
        return host_url(self.environ) + quote(self.script_root + self.path, _PATH_SAFE)

    @property
    def url(self) -> str:
        """The full URL the client asked for, escaped."""
        query = self.query_string
        return self.base_url + ("?" + quote(wsgi_to_text(query), "!$&'()*+,/:;=?@%") if query else "")

    @property
    def args(self) -> MultiDict:
        """The query string's arguments; ``?a=1&a=2`` gives ``getlist("a") == ["1", "2"]``."""
        return self._cached("args", lambda: _RequestDict(parse_query(self.query_string)))

    @property
    def remote_addr(self) -> str | None:
        return self.environ.get("REMOTE_ADDR")

    # -- headers and cookies --------------------------------------------

    @property
    def headers(self) -> Headers:
        """The request headers; ``request.headers["user-agent"]`` (any case)."""
        return self._cached("headers", lambda: Headers.from_environ(self.environ))

    @property
    def cookies(self) -> MultiDict:
        return self._cached("cookies", lambda: _RequestDict(parse_cookie(wsgi_to_text(self.environ.get("HTTP_COOKIE", "")))))

    @property
    def content_type(self) -> str:
        return self.environ.get("CONTENT_TYPE", "")

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower case: ``application/json``."""
        return parse_options_header(self.content_type)[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        return parse_options_header(self.content_type)[1]

    @property
    def content_length(self) -> int | None:
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        return length if length >= 0 else None

    # -- the body --------------------------------------------------------

    def get_data(self) -> bytes:
        """The body's bytes (read once, then kept)."""

        def read() -> bytes:
            length = self.content_length
            limit = self.max_content_length
            if limit is not None and length is not None and length > limit:
                raise RequestEntityTooLarge()
            stream = self.environ.get("wsgi.input")
            if stream is None:
                return b""
            if length is not None:
                return stream.read(length)
            # No Content-Length: only read to the end if the server promises
            # the stream ends there (it may otherwise block forever).
            if self.environ.get("wsgi.input_terminated"):
                data = stream.read() if limit is None else stream.read(limit + 1)
                if limit is not None and len(data) > limit:
                    raise RequestEntityTooLarge()
                return data
            return b""

        return self._cached("data", read)

    @property
    def data(self) -> bytes:
        return self.get_data()

    def _parse_form(self) -> tuple[MultiDict, MultiDict]:
        form, files = _RequestDict(), _RequestDict()
        mimetype, params = parse_options_header(self.content_type)
        if mimetype == "application/x-www-form-urlencoded":
            # Bytes as latin-1 is how parse_query expects raw bytes.
            for key, value in parse_query(self.get_data().decode("latin-1")):
                form.add(key, value)
        elif mimetype == "multipart/form-data":
            boundary = params.get("boundary")
            if not boundary:
                raise BadRequest("The multipart body has no boundary.")
            try:
                parts = parse_multipart(self.get_data(), boundary)
            except ValueError as error:
                raise BadRequest(f"Malformed multipart body: {error}") from None
            for name, filename, content_type, headers, data in parts:
                if filename is None:
                    charset = parse_options_header(content_type or "")[1].get("charset", "utf-8")
                    try:
                        form.add(name, data.decode(charset, "replace"))
                    except LookupError:
                        form.add(name, data.decode("utf-8", "replace"))
                else:
                    files.add(name, FileStorage(data, filename, name, content_type, Headers(headers)))
        return form, files

    @property
    def form(self) -> MultiDict:
        """Fields of a urlencoded or multipart form (files are in ``files``)."""
        return self._cached("form_files", self._parse_form)[0]

    @property
    def files(self) -> MultiDict:
        """Uploaded files of a multipart form, as ``FileStorage``."""
        return self._cached("form_files", self._parse_form)[1]

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))

    def get_json(self, force: bool = False, silent: bool = False) -> t.Any:
        """The body parsed as JSON.  Not JSON (by Content-Type): 415, unless
        ``force``.  Invalid JSON: 400.  With ``silent``, ``None`` instead."""
        if not (force or self.is_json):
            if silent:
                return None
            raise UnsupportedMediaType("Did not attempt to load JSON data because the Content-Type is not JSON.")
        try:
            return _json.loads(self.get_data())
        except ValueError as error:
            if silent:
                return None
            raise BadRequest(f"Failed to decode JSON: {error}") from None

    @property
    def json(self) -> t.Any:
        return self.get_json()

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.url!r}>"


# --------------------------------------------------------------------------
# Response


def _seconds(value: t.Any) -> int:
    if isinstance(value, _datetime.timedelta):
        return int(value.total_seconds())
    return int(value)


def _timestamp(value: t.Any) -> int:
    if isinstance(value, _datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_datetime.timezone.utc)
        return int(value.timestamp())
    return int(value)


class Response:
    """``Response(body, status=200, headers=None)``: what a view returns.

    ``body`` is ``str`` (sent as UTF-8), ``bytes``, or an iterable of bytes
    (streamed).  ``status`` is a number or a full status line.  A Response is
    itself a WSGI app: ``return Response("hi")(environ, start_response)``.
    """

    default_mimetype = "text/html"

    def __init__(
        self,
        body: str | bytes | t.Iterable[bytes] | None = None,
        status: int | str = 200,
        headers: t.Any = None,
        content_type: str | None = None,
        mimetype: str | None = None,
    ) -> None:
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.status = status  # type: ignore[assignment]
        if content_type is None:
            mimetype = mimetype or self.default_mimetype
            if mimetype.startswith("text/") or mimetype in ("application/json", "application/xml"):
                content_type = f"{mimetype}; charset=utf-8"
            else:
                content_type = mimetype
        if "Content-Type" not in self.headers:
            self.headers["Content-Type"] = content_type
        self._body: bytes | None = None
        self._iterable: t.Iterable[bytes] | None = None
        if body is None:
            self.data = b""
        elif isinstance(body, (str, bytes, bytearray, memoryview)):
            self.data = body
        else:
            self._iterable = body

    # -- status ----------------------------------------------------------

    @property
    def status(self) -> str:
        """The status line: ``"404 Not Found"``."""
        return self._status

    @status.setter
    def status(self, value: int | str) -> None:
        if isinstance(value, int):
            self._status = status_line(value)
        else:
            text = str(value).strip()
            code = text.split(" ", 1)[0]
            if not (len(code) == 3 and code.isdigit()):
                raise ValueError(f"{value!r} is not a status: use a number or '404 Not Found'")
            self._status = text if " " in text else status_line(int(code))

    @property
    def status_code(self) -> int:
        return int(self._status[:3])

    @status_code.setter
    def status_code(self, code: int) -> None:
        self.status = code

    # -- body ------------------------------------------------------------

    @property
    def data(self) -> bytes:
        """The whole body as bytes (a streamed body is read and kept)."""
        if self._body is None:
            self._body = b"".join(self._iterable or ())
            self._iterable = None
        return self._body

    @data.setter
    def data(self, value: str | bytes) -> None:
        self._body = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        self._iterable = None
        self.headers["Content-Length"] = str(len(self._body))

    def get_data(self, as_text: bool = False) -> bytes | str:
        return self.data.decode("utf-8", "replace") if as_text else self.data

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    def get_json(self) -> t.Any:
        """The body parsed as JSON (handy in tests)."""
        return _json.loads(self.data)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str:
        return parse_options_header(self.content_type or "")[0]

    @property
    def content_length(self) -> int | None:
        return self.headers.get("Content-Length", type=int)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    # -- cookies ---------------------------------------------------------

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | _datetime.timedelta | None = None,
        expires: int | float | _datetime.datetime | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
    ) -> None:
        """Adds a ``Set-Cookie`` header.  ``max_age`` in seconds (or a
        timedelta); ``expires`` a timestamp or datetime; ``samesite`` one of
        ``"Strict"``, ``"Lax"``, ``"None"``."""
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key,
                value,
                max_age=None if max_age is None else _seconds(max_age),
                expires=None if expires is None else _timestamp(expires),
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
            ),
        )

    def delete_cookie(self, key: str, path: str | None = "/", domain: str | None = None, **options: t.Any) -> None:
        """Tells the client to forget a cookie (same ``path``/``domain`` as set)."""
        self.set_cookie(key, "", max_age=0, expires=0, path=path, domain=domain, **options)

    # -- helpers ---------------------------------------------------------

    @classmethod
    def from_json(cls, data: t.Any, status: int | str = 200, headers: t.Any = None) -> Response:
        """A JSON response: ``Response.from_json({"ok": True})``."""
        body = _json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        return cls(body, status, headers, mimetype="application/json")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        """A redirect: ``Response.redirect("/login")`` (302), or 301/303/307/308."""
        # Escape spaces and non-ASCII, keep what is already a valid URL.
        location = quote(location, "!#$%&'()*+,/:;=?@[]~")
        response = cls(redirect_page(location), status, mimetype="text/html")
        response.headers["Location"] = location
        return response

    # -- WSGI ------------------------------------------------------------

    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        """Sends this response: a Response is a WSGI app."""
        start_response(self.status, self.headers.to_wsgi_list())
        if environ.get("REQUEST_METHOD", "").upper() == "HEAD" or self.status_code in (204, 304):
            # HEAD: the same headers (Content-Length included), no body.
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
            return []
        if self._iterable is not None:
            return self._iterable
        return [self._body or b""]

    def __repr__(self) -> str:
        return f"<Response {self.status!r} {self.content_type}>"


def redirect(location: str, code: int = 302) -> Response:
    """A redirect response to ``location`` (302 unless told otherwise)."""
    return Response.redirect(location, code)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """A JSON response: ``jsonify({"a": 1})``, ``jsonify(a=1)``, ``jsonify(1, 2)``."""
    if args and kwargs:
        raise TypeError("jsonify takes either positional or keyword arguments, not both")
    data = args[0] if len(args) == 1 else (list(args) if args else kwargs)
    return Response.from_json(data)


# --------------------------------------------------------------------------
# The application


# The (app, request) being handled by this thread (or task). A ContextVar, so
# threads of a multi-threaded server never see each other's request.
_current: contextvars.ContextVar[tuple[App, Request]] = contextvars.ContextVar("wsgi_framework_current")


def _get_current() -> tuple[App, Request]:
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("no request is being handled here (use this inside a view)") from None


class _RequestProxy:
    """``request``: stands for the request the current view is handling."""

    def __getattr__(self, name: str) -> t.Any:
        return getattr(_get_current()[1], name)

    def __repr__(self) -> str:
        try:
            return repr(_get_current()[1])
        except RuntimeError:
            return "<request: none being handled>"


request: Request = t.cast(Request, _RequestProxy())


def url_for(endpoint: str, **values: t.Any) -> str:
    """``url_for("user", id=7)`` for the app handling the current request."""
    return _get_current()[0].url_for(endpoint, **values)


ViewReturn = t.Union[Response, str, bytes, dict, list, tuple]
F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class App:
    """A WSGI application: routes to views, plus mounted WSGI apps.

    ``App(name)``; add views with ``@app.route(rule, methods=[...])``; mount
    any other WSGI app (Flask, Django, another App) with ``app.mount(prefix,
    wsgi_app)``.  The App is the WSGI callable: ``wsgi-server module:app``.
    """

    def __init__(self, name: str | None = None, *, automatic_options: bool = True) -> None:
        self.name = name or "app"
        self.router = Router()
        self.view_functions: dict[str, t.Callable[..., t.Any]] = {}
        self.error_handlers: dict[int | type[BaseException], t.Callable[[BaseException], t.Any]] = {}
        #: Answer OPTIONS for every route with its ``Allow`` list (as Flask does).
        self.automatic_options = automatic_options
        self._mounts: dict[str, t.Callable[..., t.Any]] = {}
        self._dispatcher: Dispatcher | None = None

    # -- registering -----------------------------------------------------

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        methods: t.Iterable[str] | None = None,
    ) -> None:
        """Routes ``rule`` to ``view_func`` (the endpoint defaults to its
        name).  ``methods`` defaults to ``["GET"]`` (HEAD comes with GET).
        A malformed or conflicting rule raises ``RuleError`` right here."""
        if view_func is None:
            raise TypeError("add_url_rule needs a view function")
        endpoint = endpoint or view_func.__name__
        if isinstance(methods, str):
            raise TypeError(f"methods should be a list like [{methods!r}], not a string")
        methods = [m.upper() for m in (methods or ["GET"])]
        existing = self.view_functions.get(endpoint)
        if existing is not None and existing is not view_func:
            raise RuleError(
                f"endpoint {endpoint!r} is already used by the view {existing.__name__!r}; "
                f"pass endpoint=... to name this one differently"
            )
        self.router.add(rule, endpoint, methods)
        self.view_functions[endpoint] = view_func

    def route(self, rule: str, methods: t.Iterable[str] | None = None, endpoint: str | None = None) -> t.Callable[[F], F]:
        """Decorator form of ``add_url_rule``::

        @app.route("/users/<int:id>", methods=["GET", "POST"])
        def user(id): ...
        """

        def decorator(view: F) -> F:
            self.add_url_rule(rule, endpoint, view, methods)
            return view

        return decorator

    def get(self, rule: str, endpoint: str | None = None) -> t.Callable[[F], F]:
        return self.route(rule, ["GET"], endpoint)

    def post(self, rule: str, endpoint: str | None = None) -> t.Callable[[F], F]:
        return self.route(rule, ["POST"], endpoint)

    def put(self, rule: str, endpoint: str | None = None) -> t.Callable[[F], F]:
        return self.route(rule, ["PUT"], endpoint)

    def delete(self, rule: str, endpoint: str | None = None) -> t.Callable[[F], F]:
        return self.route(rule, ["DELETE"], endpoint)

    def patch(self, rule: str, endpoint: str | None = None) -> t.Callable[[F], F]:
        return self.route(rule, ["PATCH"], endpoint)

    def errorhandler(self, code_or_exception: int | type[BaseException]) -> t.Callable[[F], F]:
        """Decorator for a function that turns an error into a response::

        @app.errorhandler(404)
        def not_found(error):
            return "Nothing here"          # sent with status 404
        """

        def decorator(handler: F) -> F:
            self.error_handlers[code_or_exception] = handler
            return handler

        return decorator

    def mount(self, prefix: str, app: t.Callable[..., t.Any]) -> None:
        """Serves the WSGI ``app`` under ``prefix`` (whole segments; the
        longest mount wins); everything else still goes to this App's routes.
        The mounted app sees the prefix in ``SCRIPT_NAME``, not ``PATH_INFO``."""
        self._mounts[prefix] = app
        self._dispatcher = Dispatcher(self._mounts, fallback=self.wsgi_app)

    # -- building URLs ---------------------------------------------------

    def url_for(
        self,
        endpoint: str,
        *,
        _external: bool = False,
        _anchor: str | None = None,
        _method: str | None = None,
        **values: t.Any,
    ) -> str:
        """The URL of ``endpoint`` with ``values`` in its placeholders (escaped)
        and any other values as the query string.  Inside a request, it starts
        with the app's mount point (``SCRIPT_NAME``); ``_external=True`` adds
        scheme and host."""
        path = self.router.build(endpoint, values, _method)
        current = _current.get(None)
        root = ""
        if current is not None and current[0] is self:
            root = quote(current[1].script_root, _PATH_SAFE)
            if _external:
                root = host_url(current[1].environ) + root
        elif _external:
            raise RuntimeError("url_for(..., _external=True) needs a request to know the host")
        url = root + path
        if _anchor is not None:
            url += "#" + quote(_anchor, "!$&'()*+,/:;=?@")
        return url

    # -- handling a request ----------------------------------------------

    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        """The WSGI entry point."""
        if self._dispatcher is not None:
            return self._dispatcher(environ, start_response)
        return self.wsgi_app(environ, start_response)

    # ANCHOR: wsgi_app
    def wsgi_app(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        """This App's own routes (without the mounts)."""
        req = Request(environ)
        token = _current.set((self, req))
        try:
            response = self.full_dispatch_request(req)
        finally:
            _current.reset(token)
        return response(environ, start_response)

    def full_dispatch_request(self, req: Request) -> Response:
        try:
            return self.make_response(self.dispatch_request(req))
        except HTTPException as error:
            return self.handle_http_exception(error)
        except Exception as error:  # a bug in a view: 500, and the traceback in the log
            return self.handle_exception(req, error)

    def dispatch_request(self, req: Request) -> ViewReturn:
        """Routes the request and calls the view."""
        # The raw PATH_INFO, not req.path: "" (the app's mount point without
        # its slash, `/app`) must redirect to `/app/`, as in werkzeug.
        found = self.router.match(wsgi_to_text(req.environ.get("PATH_INFO", "")), req.method)
        if found.status == 308:
            target = quote(req.script_root, _PATH_SAFE) + quote(found.redirect_to, _PATH_SAFE)
            query = req.query_string
            if query:
                target += "?" + quote(wsgi_to_text(query), "!$&'()*+,/:;=?@%")
            raise RequestRedirect(host_url(req.environ) + target)
        if found.status == 405:
            allowed = list(found.allowed)
            if self.automatic_options:
                allowed.append("OPTIONS")
                if req.method == "OPTIONS":
                    return Response("", 200, {"Allow": ", ".join(sorted(set(allowed)))})
            raise MethodNotAllowed(allowed)
        if found.status != 200:
            raise NotFound()
        req.endpoint, req.view_args, req.url_rule = found.endpoint, found.values, found.rule
        return self.view_functions[found.endpoint](**found.values)

    # ANCHOR_END: wsgi_app

    def make_response(self, rv: t.Any, default_status: int | None = None) -> Response:
        """Turns what a view returned into a Response: a Response as is;
        ``str``/``bytes`` as HTML; ``dict``/``list`` as JSON; a tuple
        ``(body, status)``, ``(body, headers)`` or ``(body, status, headers)``."""
        status = headers = None
        if isinstance(rv, tuple):
            if len(rv) == 3:
                rv, status, headers = rv
            elif len(rv) == 2:
                if isinstance(rv[1], (Headers, dict, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError("a view may return (body, status), (body, headers) or (body, status, headers)")
        if status is None:
            status = default_status
        if rv is None:
            raise TypeError("the view returned None; return a str, bytes, dict, list or Response")
        if isinstance(rv, Response):
            response = rv
        elif isinstance(rv, (str, bytes, bytearray)):
            response = Response(rv)
        elif isinstance(rv, (dict, list)):
            response = Response.from_json(rv)
        elif isinstance(rv, HTTPException):
            response = rv.get_response()
        else:
            raise TypeError(f"the view returned a {type(rv).__name__}; return a str, bytes, dict, list or Response")
        if status is not None:
            response.status = status
        if headers is not None:
            response.headers.extend(headers)
        return response

    def _handler_for(self, error: BaseException, code: int | None) -> t.Callable[[BaseException], t.Any] | None:
        if code is not None and code in self.error_handlers:
            return self.error_handlers[code]
        for cls in type(error).__mro__:
            if cls in self.error_handlers:
                return self.error_handlers[cls]
        return None

    def handle_http_exception(self, error: HTTPException) -> Response:
        handler = self._handler_for(error, error.code)
        if handler is None or isinstance(error, RequestRedirect):
            return error.get_response()
        response = self.make_response(handler(error), default_status=error.code)
        if isinstance(error, MethodNotAllowed) and "Allow" not in response.headers:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    def handle_exception(self, req: Request, error: Exception) -> Response:
        errors = req.environ.get("wsgi.errors") or sys.stderr
        try:
            errors.write(f"Exception on {req.method} {req.path}:\n{traceback.format_exc()}")
            errors.flush()
        except Exception:  # a broken log must not hide the 500
            pass
        handler = self._handler_for(error, None) or self.error_handlers.get(500)
        if handler is None:
            return InternalServerError().get_response()
        return self.make_response(handler(error), default_status=500)

    def __repr__(self) -> str:
        return f"<App {self.name!r} with {len(self.router)} routes and {len(self._mounts)} mounts>"
