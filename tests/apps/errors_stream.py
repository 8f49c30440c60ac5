"""Writes to ``environ["wsgi.errors"]``, which must reach the server's log.

Used by tests/tests/wsgi.rs.  Each request writes, in this order:

* ``write("errors: one line\\n")``
* ``write("errors: in ")`` then ``write("two pieces\\n")`` (one log line)
* ``writelines(["errors: lines a\\n", "errors: lines b\\n"])``
* ``write("errors: no newline, flushed")`` then ``flush()``

then answers ``200`` ``b"logged\\n"``.
"""


def application(environ, start_response):
    errors = environ["wsgi.errors"]
    errors.write("errors: one line\n")
    errors.write("errors: in ")
    errors.write("two pieces\n")
    errors.writelines(["errors: lines a\n", "errors: lines b\n"])
    errors.write("errors: no newline, flushed")
    errors.flush()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "7")])
    return [b"logged\n"]
