"""The WSGI applications every server is benchmarked on (see run.sh).

Each scenario is one callable here, served as ``apps:NAME`` by every server.
"""
import json
import time

HELLO = b"Hello, world!"  # 13 bytes


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(HELLO)))])
    return [HELLO]


ENVIRON_KEYS = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL",
                "HTTP_HOST", "wsgi.url_scheme")


def environ(environ, start_response):
    body = json.dumps({k: environ.get(k) for k in ENVIRON_KEYS}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def slow(environ, start_response):
    time.sleep(0.01)  # an app that blocks: a database, a remote call
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "5")])
    return [b"slept"]


CHUNK = b"x" * (64 * 1024)
BIG_CHUNKS = 16  # 16 x 64 KiB = 1 MiB


def big(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(len(CHUNK) * BIG_CHUNKS))])

    def chunks():
        for _ in range(BIG_CHUNKS):
            yield CHUNK
    return chunks()


def upload(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    got = 0
    while got < length:
        data = stream.read(min(65536, length - got))
        if not data:
            break
        got += len(data)
    body = str(got).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
