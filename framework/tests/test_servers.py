"""The same app under two real servers: gunicorn (wsgi_framework installed
with pip) and wsgi-server (wsgi_framework built in). Both must answer the
demo's URLs the same way."""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "python-examples"
PATIENCE = 30  # seconds; never reached when things work

CASES = [
    ("GET", "/hi/there"),
    ("GET", "/hello/?name=Ada"),
    ("GET", "/app/"),
    ("GET", "/app/hello/caf%C3%A9"),
    ("GET", "/app/users/42"),
    ("DELETE", "/app/users/42"),
    ("POST", "/app/users/42"),
    ("GET", "/app/files/a/b/c.txt"),
    ("GET", "/app/price/9.99"),
    ("GET", "/app/docs?page=2"),
    ("GET", "/app"),
    ("GET", "/nowhere"),
    ("GET", "/hix"),
]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(process, port):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{process.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port} within {PATIENCE}s")


def fetch(port, method, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
    try:
        connection.request(method, path, headers={"Host": "demo.test"})
        response = connection.getresponse()
        body = response.read()
        keep = {name: response.getheader(name) for name in ("Content-Type", "Location", "Allow", "Content-Length")}
        return response.status, keep, body
    finally:
        connection.close()


class Server:
    def __init__(self, command, port, env=None):
        self.port = port
        self.process = subprocess.Popen(
            command, cwd=EXAMPLES, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            wait_until_listening(self.process, port)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=PATIENCE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


def has_gunicorn():
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


@unittest.skipUnless(has_gunicorn(), "gunicorn is not installed (pip install -r framework/requirements-dev.txt)")
class GunicornTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
        command += ["--log-level", "warning", "framework_demo:application"]
        cls.server = Server(command, port)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_demo_answers_under_gunicorn(self):
        status, headers, body = fetch(self.server.port, "GET", "/app/users/42")
        self.assertEqual((status, body), (200, b'{"id":42,"type":"int","url":"/app/users/42"}\n'))
        status, headers, body = fetch(self.server.port, "GET", "/hi/there")
        self.assertIn(b"SCRIPT_NAME='/hi', asked for PATH_INFO='/there'", body)
        status, headers, _ = fetch(self.server.port, "GET", "/app/docs")
        self.assertEqual((status, headers["Location"]), (308, "http://demo.test/app/docs/"))
        status, headers, _ = fetch(self.server.port, "POST", "/app/users/42")
        self.assertEqual((status, headers["Allow"]), (405, "DELETE, GET, HEAD, OPTIONS"))
        self.assertEqual(fetch(self.server.port, "GET", "/nowhere")[0], 404)

    def test_same_answers_as_wsgi_server(self):
        binary = ROOT / "target" / "debug" / "wsgi-server"
        if not binary.exists():
            found = shutil.which("wsgi-server")
            if found is None:
                self.skipTest("wsgi-server is not built (cargo build -p wsgi-server)")
            binary = Path(found)
        # No virtualenv: wsgi-server must use its built-in wsgi_framework.
        env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
        port = free_port()
        ours = Server([str(binary), "--bind", f"127.0.0.1:{port}", "--log-level", "warn", "framework_demo:application"], port, env)
        try:
            for method, path in CASES:
                with self.subTest(method=method, path=path):
                    self.assertEqual(fetch(port, method, path), fetch(self.server.port, method, path))
        finally:
            ours.stop()


if __name__ == "__main__":
    unittest.main()
