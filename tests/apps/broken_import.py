"""A module that fails while it is imported.

Used by tests/tests/wsgi.rs: ``wsgi-server broken_import:application`` must
exit with status 1 and print the Python traceback (naming this file and the
exception), never a Rust panic.
"""

raise RuntimeError("this module cannot be imported")


def application(environ, start_response):  # never reached
    start_response("200 OK", [])
    return [b""]
