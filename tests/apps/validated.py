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
"""

import importlib
import os
import warnings
from wsgiref.validate import validator


def wrap():
    spec = os.environ["TARGET_APP"]
    module_name, _, attribute = spec.partition(":")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'cgi' is deprecated", category=DeprecationWarning)
        module = importlib.import_module(module_name)
    app = getattr(module, attribute or "application")
    warnings.simplefilter("error")
    return validator(app)
