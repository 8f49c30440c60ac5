"""Read the request body with a mix of wsgi.input methods and report each result.

Used by tests/tests/wsgi.rs.  ``?ops=`` lists the calls, comma-separated, made
in order on ``environ["wsgi.input"]``:

=================  ==========================================
``read``           ``read()``
``read:N``         ``read(N)`` (N may be negative: everything)
``readline``       ``readline()``
``readline:N``     ``readline(N)``
``readlines``      ``readlines()``
``readlines:N``    ``readlines(N)`` (a size hint)
``next``           ``next(iter(input))``, ``null`` at the end
``iter``           ``list(input)``: every remaining line
=================  ==========================================

The answer is ``{"input": [[op, result], ...], "reference": ...}``, results
as latin-1 strings (lists of them for ``readlines``/``iter``).  When
``?ref=HEX`` carries the same body in hex, ``"reference"`` is what the same
calls return on ``io.BytesIO(body)``: Python's own file semantics, the oracle
the test compares with; otherwise it is ``null``.
"""

import io
import json
from urllib.parse import parse_qs


def run(stream, ops):
    results = []
    for op in ops:
        name, _, arg = op.partition(":")
        args = (int(arg),) if arg else ()
        if name == "read":
            value = stream.read(*args)
        elif name == "readline":
            value = stream.readline(*args)
        elif name == "readlines":
            value = stream.readlines(*args)
        elif name == "next":
            value = next(iter(stream), None)
        elif name == "iter":
            value = list(stream)
        else:
            raise ValueError(f"unknown op {op!r}")
        if isinstance(value, list):
            for item in value:
                assert type(item) is bytes, type(item)
            value = [item.decode("latin-1") for item in value]
        elif value is not None:
            assert type(value) is bytes, type(value)
            value = value.decode("latin-1")
        results.append([op, value])
    return results


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    ops = [op for op in query.get("ops", [""])[0].split(",") if op]
    answer = {"input": run(environ["wsgi.input"], ops), "reference": None}
    if "ref" in query:
        answer["reference"] = run(io.BytesIO(bytes.fromhex(query["ref"][0])), ops)
    data = json.dumps(answer).encode("ascii")
    start_response("200 OK", [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(data))),
    ])
    return [data]
