"""Any app of this project, wrapped in ``wsgiref.validate.validator``.

Used by tests/tests/frameworks.rs to run every app of ``python-examples/``
under the real server with PEP 3333's reference checker in between::

    TARGET_APP=flask_app:application wsgi-server --pythonpath ../../python-examples 'validated:wrap()'

``wrap()`` imports ``TARGET_APP`` (``MODULE:CALLABLE``; ``MODULE`` alone means
its ``application``), wraps it, and turns every warning into an error from
then on: a ``WSGIWarning`` from the validator (or any other warning) fails
the request with a traceback in the server log, where the test looks for it.
The validator's own checks raise ``AssertionError``, which also ends in the
log (the server answers 500 or aborts the connection).

Only one warning is allowed, while importing: WebOb 1.8 imports the
standard library's ``cgi`` module, which warns that it is deprecated.

One check is relaxed, and only when the server says it may be: the
validator insists that ``wsgi.input.read()`` always gets a size (plain PEP
3333, where reading past CONTENT_LENGTH could block forever).  This server
sets ``environ["wsgi.input_terminated"] = True`` (the later extension that
Werkzeug and mod_wsgi agreed on: the stream ends at the end of the body, so
``read()`` with no size is safe), and Werkzeug, hence Flask, then calls
``read()`` with no size.  With that flag set, a size-less ``read()`` is
allowed; it must still return ``bytes``.  Every other check is the
validator's own.
"""

import importlib
import os
import threading
import warnings
from wsgiref import validate

_request = threading.local()


class TerminatedInputWrapper(validate.InputWrapper):
    def read(self, *args):
        if not args and getattr(_request, "input_terminated", False):
            data = self.input.read()
            validate.assert_(type(data) is bytes)
            return data
        return super().read(*args)


# validator() builds its input wrapper from this module-level name.
validate.InputWrapper = TerminatedInputWrapper


def wrap():
    spec = os.environ["TARGET_APP"]
    module_name, _, attribute = spec.partition(":")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'cgi' is deprecated", category=DeprecationWarning)
        module = importlib.import_module(module_name)
    app = getattr(module, attribute or "application")
    warnings.simplefilter("error")
    checked = validate.validator(app)

    def application(environ, start_response):
        # The body is read on this thread, during the call or the iteration.
        _request.input_terminated = environ.get("wsgi.input_terminated") is True
        return checked(environ, start_response)

    return application
