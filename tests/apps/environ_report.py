"""Report the environ this server builds, as JSON, one key per line.

Used by tests/tests/wsgi.rs (environ keys and types, latin-1 paths, header
names, chunked uploads, spooling).  Every request, whatever its method or
path, gets ``200`` and::

    {
     "body": <what wsgi.input.read() returned>,
     "environ": {
      "KEY": ["<type name>", <value>],
      ...
     }
    }

* ``<value>`` is the value itself for ``str``, ``int``, ``bool`` and
  ``tuple`` entries; for other objects it is ``{"methods": [...]}``, the
  file-like methods PEP 3333 requires that the object has (``wsgi.input``:
  read, readline, readlines, __iter__; ``wsgi.errors``: write, writelines,
  flush), or ``{"callable": true}``.
* ``"body"`` is the body as a latin-1 string when it is at most 200 bytes,
  otherwise ``{"length": n, "crc32": zlib.crc32(body)}``.
* ``?only=PREFIX,PREFIX`` keeps only the environ keys starting with one of
  the prefixes (so a snapshot shows just what a test is about).
* ``?fds=1`` adds ``"deleted_files_open"``: how many of this process's file
  descriptors point at deleted files (Linux ``/proc/self/fd``), read *before*
  the body: a spooled request body is such a file.

JSON strings use ``\\uXXXX`` escapes for every non-ASCII character, so a
latin-1 ``PATH_INFO`` shows its exact code points.
"""

import json
import os
import zlib
from urllib.parse import parse_qs

REQUIRED_METHODS = {
    "wsgi.input": ["read", "readline", "readlines", "__iter__"],
    "wsgi.errors": ["write", "writelines", "flush"],
}


def describe(key, value):
    kind = type(value).__name__
    if isinstance(value, (str, int, bool)):
        return [kind, value]
    if isinstance(value, tuple):
        return [kind, list(value)]
    if key in REQUIRED_METHODS:
        present = [m for m in REQUIRED_METHODS[key] if callable(getattr(value, m, None))]
        return [kind, {"methods": present}]
    return [kind, {"callable": callable(value)}]


def deleted_files_open():
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").endswith(" (deleted)"):
                count += 1
        except OSError:
            pass
    return count


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    prefixes = [p for item in query.get("only", []) for p in item.split(",")]
    report = {}
    if query.get("fds") == ["1"]:
        report["deleted_files_open"] = deleted_files_open()
    body = environ["wsgi.input"].read()
    if len(body) <= 200:
        report["body"] = body.decode("latin-1")
    else:
        report["body"] = {"length": len(body), "crc32": zlib.crc32(body)}

    lines = []
    for key in sorted(environ):
        if prefixes and not any(key.startswith(p) for p in prefixes):
            continue
        lines.append(f"  {json.dumps(key)}: {json.dumps(describe(key, environ[key]))}")
    text = "{\n"
    for name, value in report.items():
        text += f" {json.dumps(name)}: {json.dumps(value)},\n"
    if lines:
        text += ' "environ": {\n' + ",\n".join(lines) + "\n }\n}\n"
    else:
        text += ' "environ": {}\n}\n'
    data = text.encode("ascii")
    start_response("200 OK", [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(data))),
    ])
    return [data]
