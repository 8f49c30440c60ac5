"""Type stubs for wsgi_framework._core, the Rust half of wsgi_framework.

The facade (``wsgi_framework/__init__.py``) re-exports the public names;
import them from ``wsgi_framework``.
"""

from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, TypeVar, Union, overload

_T = TypeVar("_T")
_WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

class RuleError(ValueError):
    """A rule is malformed, or conflicts with one already added."""

class BuildError(LookupError):
    """No URL can be built for this endpoint with these values."""

class Match:
    """What ``Router.match`` says about a path.

    ``status``: 200 matched (``endpoint``, ``values``, ``rule``), 308 redirect
    (``redirect_to``: the path with a ``/`` added or ``//`` merged, decoded),
    405 wrong method (``allowed``, sorted), 404 nothing.
    """

    @property
    def status(self) -> int: ...
    @property
    def endpoint(self) -> Optional[str]: ...
    @property
    def values(self) -> dict[str, Any]: ...
    @property
    def rule(self) -> Optional[str]: ...
    @property
    def allowed(self) -> list[str]: ...
    @property
    def redirect_to(self) -> Optional[str]: ...
    def __bool__(self) -> bool: ...

class Router:
    """URL rules in a segment trie.

    Rules look like ``/users/<int:id>``; converters are ``string`` (the
    default; options ``minlength``, ``maxlength``, ``length``), ``int``
    (``min``, ``max``, ``signed``, ``fixed_digits``), ``float`` (``min``,
    ``max``, ``signed``), ``uuid`` and ``path`` (takes slashes). Static
    segments beat placeholders; ``int``/``float`` beat ``string``/``uuid``;
    ``path`` comes last.
    """

    def __init__(self) -> None: ...
    def add(self, rule: str, endpoint: str, methods: Optional[Sequence[str]] = None) -> None:
        """Adds a rule. ``methods=None``: every method; ``GET`` brings ``HEAD``.
        Raises ``RuleError`` for a malformed or conflicting rule."""
    def match(self, path: str, method: str = "GET") -> Match:
        """Matches a decoded path (``/users/42``) for a method."""
    def build(
        self,
        endpoint: str,
        values: Optional[Mapping[str, Any]] = None,
        method: Optional[str] = None,
        append_unknown: bool = True,
    ) -> str:
        """The URL path for ``endpoint``, values escaped; unknown values
        become the query string. Raises ``BuildError``."""
    def allowed_methods(self, path: str) -> list[str]:
        """The methods ``path`` answers to (``[]`` if none, or if any)."""
    @property
    def rules(self) -> list[tuple[str, str, Optional[list[str]]]]:
        """``(rule, endpoint, methods or None)`` in the order added."""
    def __len__(self) -> int: ...

class Dispatcher:
    """A WSGI middleware: the app mounted on the longest matching prefix
    (whole segments) gets the request, with the prefix moved from
    ``PATH_INFO`` to ``SCRIPT_NAME``; anything else goes to ``fallback``
    (default: 404).

    ``Dispatcher({"/api": api_app, "/admin": admin_app}, fallback=site)``
    """

    def __init__(
        self,
        mounts: Union[Mapping[str, _WSGIApp], Iterable[tuple[str, _WSGIApp]], None] = None,
        fallback: Optional[_WSGIApp] = None,
    ) -> None: ...
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]: ...
    def split(self, path: str) -> Optional[tuple[str, str]]:
        """``(prefix, rest)`` if ``path`` goes to a mount, else ``None``."""
    @property
    def mounts(self) -> dict[str, _WSGIApp]: ...
    @property
    def fallback(self) -> _WSGIApp: ...

class NotFoundApp:
    """A WSGI app that answers 404 to everything (the Dispatcher's default fallback)."""

    def __init__(self) -> None: ...
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]: ...

class Headers:
    """HTTP headers: ordered, case-insensitive names, repeats allowed.
    Values with newlines are refused (they could forge headers)."""

    def __init__(self, items: Union[Mapping[str, Any], Iterable[tuple[str, Any]], "Headers", None] = None) -> None: ...
    @staticmethod
    def from_environ(environ: Mapping[str, Any]) -> Headers:
        """The request headers of a WSGI environ (``HTTP_*``, ``CONTENT_TYPE``, ``CONTENT_LENGTH``)."""
    def __getitem__(self, name: str) -> str: ...
    def __setitem__(self, name: str, value: Any) -> None: ...
    def __delitem__(self, name: str) -> None: ...
    def __contains__(self, name: str) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[tuple[str, str]]: ...
    @overload
    def get(self, name: str) -> Optional[str]: ...
    @overload
    def get(self, name: str, default: _T) -> Union[str, _T]: ...
    @overload
    def get(self, name: str, default: _T, type: Callable[[str], Any]) -> Any: ...
    @overload
    def get(self, name: str, *, type: Callable[[str], Any]) -> Any: ...
    def getlist(self, name: str) -> list[str]: ...
    def get_all(self, name: str) -> list[str]: ...
    def add(self, name: str, value: Any) -> None: ...
    def set(self, name: str, value: Any) -> None: ...
    def setdefault(self, name: str, default: Any) -> str: ...
    def extend(self, items: Union[Mapping[str, Any], Iterable[tuple[str, Any]], "Headers"]) -> None: ...
    def pop(self, name: str, default: Any = ...) -> Any: ...
    def keys(self) -> list[str]: ...
    def values(self) -> list[str]: ...
    def items(self) -> list[tuple[str, str]]: ...
    def to_wsgi_list(self) -> list[tuple[str, str]]: ...
    def copy(self) -> Headers: ...
    def clear(self) -> None: ...

def quote(text: str, safe: str = "/") -> str:
    """Percent-escapes ``text`` (as UTF-8), keeping letters, digits, ``-._~`` and ``safe``."""

def unquote(text: str, plus: bool = False) -> str:
    """Decodes ``%XX`` escapes (and ``+`` as space if ``plus``) as UTF-8."""

def parse_query(query: str) -> list[tuple[str, str]]:
    """``"a=1&a=2&b=x+y"`` to ``[("a", "1"), ("a", "2"), ("b", "x y")]``."""

def urlencode(pairs: Iterable[tuple[str, str]]) -> str:
    """``[("q", "a b")]`` to ``"q=a+b"``."""

def wsgi_to_text(text: str) -> str:
    """A WSGI string (bytes as latin-1) read as UTF-8: ``"cafÃ©"`` to ``"café"``."""

def text_to_wsgi(text: str) -> str:
    """Text as a WSGI string: its UTF-8 bytes, one character each."""

def parse_options_header(value: str) -> tuple[str, dict[str, str]]:
    """``"text/html; charset=utf-8"`` to ``("text/html", {"charset": "utf-8"})``."""

def parse_cookie(header: str) -> list[tuple[str, str]]:
    """A ``Cookie`` header to ``(name, value)`` pairs."""

def dump_cookie(
    key: str,
    value: str = "",
    max_age: Optional[int] = None,
    expires: Optional[int] = None,
    path: Optional[str] = "/",
    domain: Optional[str] = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: Optional[str] = None,
) -> str:
    """The value of a ``Set-Cookie`` header (``expires``: seconds since 1970)."""

def parse_multipart(
    body: bytes, boundary: str
) -> list[tuple[str, Optional[str], Optional[str], list[tuple[str, str]], bytes]]:
    """A ``multipart/form-data`` body to ``(name, filename, content_type, headers, data)`` parts."""

def status_line(code: int) -> str:
    """``404`` to ``"404 Not Found"``."""

def error_page(code: int, description: Optional[str] = None) -> str:
    """A small HTML error page."""

def redirect_page(location: str) -> str:
    """The HTML body sent with a redirect."""

def http_date(timestamp: int) -> str:
    """``0`` to ``"Thu, 01 Jan 1970 00:00:00 GMT"``."""

def host_url(environ: Mapping[str, Any]) -> str:
    """``scheme://host[:port]`` of the request."""
