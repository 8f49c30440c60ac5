"""What every reliability script shares: the binary, starting and stopping a
server, reading a process's memory and file descriptors, a raw HTTP client,
and recording results.

Everything here talks to 127.0.0.1 only, and every wait has an upper bound.
A server is started in its own session and stopped by the pid we got for it
(TERM to its process group, then KILL), in ``Server.stop`` and on exit.
"""
import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# ------------------------------------------------------------------ the binary
def server_binary():
    """$WSGI_SERVER, or target/release/wsgi-server of this workspace (built by
    run.sh; the target directory comes from `cargo metadata`)."""
    path = os.environ.get("WSGI_SERVER")
    if not path:
        meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                              cwd=ROOT, check=True, capture_output=True, text=True).stdout
        path = os.path.join(json.loads(meta)["target_directory"], "release", "wsgi-server")
    if not os.access(path, os.X_OK):
        sys.exit(f"{path} does not exist: run `cargo build --release -p wsgi-server` "
                 "or set WSGI_SERVER")
    return path


def server_version(binary):
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


# ------------------------------------------------------------- /proc readings
def rss_kb(pid):
    """(VmRSS, VmHWM) of a process in KiB: its resident memory now, and the peak."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def idle_fds(pid):
    """The fd count of an idle process: the least of a few samples 0.1 s apart
    (a connection a client just closed may not be closed by the server yet)."""
    samples = []
    for _ in range(5):
        time.sleep(0.1)
        samples.append(fd_count(pid))
    return min(samples)


def settled_fds(pid, baseline, timeout=10):
    """Waits (at most timeout s) for the fd count to come back to baseline; returns it."""
    return wait_for(lambda: fd_count(pid) <= baseline and fd_count(pid), timeout) or fd_count(pid)


def socket_fds(pid):
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def wait_for(predicate, timeout, step=0.05):
    """Polls predicate until it is true or timeout seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


# -------------------------------------------------------------------- servers
STARTED = []


class Server:
    """One wsgi-server serving tests/reliability/apps.py on 127.0.0.1:0."""

    def __init__(self, args=(), app="apps:application", env=None, log_name="server"):
        self.binary = server_binary()
        self.log_file = tempfile.NamedTemporaryFile(prefix=f"reliability-{log_name}-", suffix=".log",
                                                    delete=False)
        self.log_path = self.log_file.name
        environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        venv = os.path.join(ROOT, ".venv")
        if os.path.isdir(venv):
            environment["VIRTUAL_ENV"] = venv
        environment.update(env or {})
        argv = [self.binary, "--bind", "127.0.0.1:0", "--chdir", HERE, "--log-level", "warn",
                *args, app]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.log_file, env=environment, start_new_session=True)
        STARTED.append(self)
        self.addr = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line:
                break
            if " serving " in line:
                host, _, port = line.strip().rsplit(" ", 1)[1].removeprefix("http://").rpartition(":")
                self.addr = (host, int(port))
                break
        if self.addr is None:
            self.stop()
            sys.exit(f"wsgi-server did not start; its log:\n{self.log()}")
        # Drain stdout so the server can never block on a full pipe.
        import threading
        threading.Thread(target=lambda: self.proc.stdout.read(), daemon=True).start()

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def worker_pid(self, timeout=30):
        """The pid of the process that answers (the worker with --workers 1)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return int(get(self.addr, "/pid", timeout=10).body)
            except (OSError, ValueError, HttpError):
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def stats(self, timeout=10):
        return json.loads(get(self.addr, "/stats", timeout=timeout).body)

    def signal(self, signum):
        os.kill(self.proc.pid, signum)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self in STARTED:
            STARTED.remove(self)
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left in its process group (workers of a master that died)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        return self.proc.returncode

    def remove_log(self):
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


def stop_all():
    while STARTED:
        STARTED[-1].stop()


def _on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


atexit.register(stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


# ---------------------------------------------------------------- HTTP client
class HttpError(Exception):
    """The response was cut off or malformed. `.received` bytes arrived first."""

    def __init__(self, message, received=0):
        super().__init__(message)
        self.received = received


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


class Conn:
    """A keep-alive connection that reads responses by their framing."""

    def __init__(self, addr, timeout=10.0):
        self.sock = socket.create_connection(addr, timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.received = 0  # bytes of the current response so far

    def close(self):
        self.sock.close()

    def reset(self):
        """Closes with an RST (SO_LINGER 0) instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise HttpError("connection closed", self.received)
        self.received += len(data)
        self.buf += data

    def _take_line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head=False):
        self.received = len(self.buf)
        try:
            while b"\r\n\r\n" not in self.buf:
                self._fill()
        except ConnectionResetError as e:
            raise HttpError(f"reset: {e}", self.received) from None
        raw_head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or parts[0] != "HTTP/1.1":
            raise HttpError(f"bad status line {lines[0]!r}", self.received)
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        try:
            if head or status in (204, 304) or 100 <= status < 200:
                body = b""
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                pieces = []
                while True:
                    size = int(self._take_line().split(b";")[0], 16)
                    if size == 0:
                        while self._take_line():
                            pass
                        break
                    pieces.append(self._take(size))
                    if self._take(2) != b"\r\n":
                        raise HttpError("chunk not followed by CRLF", self.received)
                body = b"".join(pieces)
            elif "content-length" in headers:
                body = self._take(int(headers["content-length"]))
            else:
                while True:
                    try:
                        self._fill()
                    except HttpError:
                        break
                body, self.buf = self.buf, b""
        except ConnectionResetError as e:
            raise HttpError(f"reset inside the body: {e}", self.received) from None
        except HttpError as e:
            raise HttpError(f"{e} inside the body", self.received) from None
        return Response(status, headers, body)

    def request(self, method, target, headers=(), body=b"", head=False):
        self.send(request_bytes(method, target, headers, body))
        return self.read_response(head=head or method == "HEAD")


def request_bytes(method, target, headers=(), body=b""):
    out = [f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"]
    for name, value in headers:
        out.append(f"{name}: {value}\r\n")
    if body or method in ("POST", "PUT"):
        out.append(f"Content-Length: {len(body)}\r\n")
    out.append("\r\n")
    return "".join(out).encode("latin-1") + body


def get(addr, target, timeout=10.0, headers=()):
    conn = Conn(addr, timeout)
    try:
        return conn.request("GET", target, [("Connection", "close"), *headers])
    finally:
        conn.close()


# ------------------------------------------------------------------- results
class Check:
    """The measured numbers of one script, each with its limit, and the verdict.

    ``measure(what, value, limit, ok)`` records one line; ``finish()`` prints
    the summary, writes the JSON for the report (``--json PATH``) and returns
    the exit status (0 pass, 1 fail)."""

    def __init__(self, name, description):
        self.name = name
        self.description = description
        self.lines = []
        self.notes = []
        self.started = time.monotonic()

    def measure(self, what, value, limit, ok):
        self.lines.append({"what": what, "value": str(value), "limit": str(limit), "ok": bool(ok)})
        print(f"  [{'PASS' if ok else 'FAIL'}] {what}: {value}  (want {limit})", flush=True)
        return ok

    def note(self, text):
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    @property
    def passed(self):
        return bool(self.lines) and all(line["ok"] for line in self.lines)

    def finish(self, json_path=None):
        seconds = round(time.monotonic() - self.started, 1)
        verdict = "PASS" if self.passed else "FAIL"
        print(f"{self.name}: {verdict} ({sum(l['ok'] for l in self.lines)}/{len(self.lines)} checks, "
              f"{seconds} s)", flush=True)
        if json_path:
            with open(json_path, "w") as f:
                json.dump({"name": self.name, "description": self.description, "passed": self.passed,
                           "seconds": seconds, "lines": self.lines, "notes": self.notes}, f, indent=1)
        return 0 if self.passed else 1


def arguments(description):
    import argparse
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a shorter run (smaller counts)")
    parser.add_argument("--json", help="write the results here (for run.sh's report)")
    return parser


def mib(kb):
    return f"{kb / 1024:.1f} MiB"
