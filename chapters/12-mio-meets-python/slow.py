"""A deliberately slow WSGI application, for chapter 12's server.

What it teaches
---------------
``GET /sleep`` (or ``/sleep?seconds=N``, at most 30) calls ``time.sleep``
before answering, the way an application waits on a database or another
web service.  Every other path answers at once.

``time.sleep`` releases the GIL while it waits, like any blocking call in
Python's standard library.  So while one worker thread sleeps, another can
run Python, and the event loop, which never runs Python, keeps accepting,
reading and writing for every connection.

How to run it
-------------
From the workspace root::

    cargo run -p ch12-mio-meets-python            # serves slow:application

Then, in another terminal, a slow request and a quick one at the same time::

    curl http://127.0.0.1:7878/sleep?seconds=5 & curl http://127.0.0.1:7878/

The quick one answers at once.  With ``WORKERS=1`` there is only one Python
thread, and the quick request waits for the sleeper: the loop is free, but
nobody is left to run the application.
"""

import threading
import time
from urllib.parse import parse_qs


def application(environ, start_response):
    if environ["PATH_INFO"] == "/sleep":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            seconds = min(float(query.get("seconds", ["3"])[-1]), 30.0)
        except ValueError:
            seconds = 3.0
        time.sleep(seconds)
        text = f"Slept {seconds:g} s on thread {threading.get_native_id()}.\n"
    else:
        text = f"Hello from thread {threading.get_native_id()}: this path does not sleep.\n"
    body = text.encode("utf-8")
    start_response(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
