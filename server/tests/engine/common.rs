//! What every test needs: a running server, a raw client, a response reader.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Once};
use std::thread::JoinHandle;
use std::time::Duration;

use wsgi_server::http::echo::EchoHandler;
use wsgi_server::http::{Config, Handler, Server, StopHandle};

/// The upper bound on any single wait. Never reached when the engine works;
/// when it is, the test fails with a message instead of hanging CI.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A server running on its own thread, stopped (gracefully) when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: StopHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

/// The echo handler's `/panic` is expected to panic; keep those messages out
/// of the test output (every other panic is printed as usual).
fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() == Some(&"the echo handler was asked to panic") {
                return;
            }
            default_hook(info);
        }));
    });
}

impl TestServer {
    pub fn start(config: Config, handler: Arc<dyn Handler>) -> TestServer {
        quiet_expected_panics();
        let server = Server::bind("127.0.0.1:0", config, handler).expect("bind 127.0.0.1:0");
        let addr = server.local_tcp_addr().expect("a TCP address");
        let stop = server.stop_handle();
        let thread = std::thread::Builder::new()
            .name(format!("server-{}", addr.port()))
            .spawn(move || server.run())
            .expect("spawn the server thread");
        TestServer { addr, stop, thread: Some(thread) }
    }

    pub fn echo(config: Config) -> TestServer {
        Self::start(config, Arc::new(EchoHandler))
    }

    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Stops gracefully and waits for the loop to return.
    pub fn stop(mut self) {
        self.stop.stop();
        let thread = self.thread.take().expect("not yet stopped");
        join_within(thread, PATIENCE * 2).expect("the server loop returned an error");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let Some(thread) = self.thread.take() else { return };
        if std::thread::panicking() {
            // The test failed already; do not wait on connections it left behind.
            self.stop.stop_now();
            let _ = thread.join();
        } else {
            self.stop.stop();
            join_within(thread, PATIENCE * 2).expect("the server loop returned an error");
        }
    }
}

/// Joins a thread, failing the test if it takes longer than `limit`.
pub fn join_within<T: Send + 'static>(thread: JoinHandle<T>, limit: Duration) -> T {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let result = thread.join();
        let _ = done_tx.send(());
        result
    });
    done_rx.recv_timeout(limit).expect("the thread did not finish in time");
    waiter.join().expect("waiter").expect("the thread panicked")
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to the test server");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Reads until the server closes the connection. A reset fails the test:
/// the engine closes gently (it lingers), so a reset means a lost response.
pub fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let (out, reset) = read_to_close_or_reset(stream);
    assert!(!reset, "the connection was reset; got so far:\n{}", render(&out));
    out
}

/// Reads until EOF or a reset; says which.
pub fn read_to_close_or_reset(stream: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut piece = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut piece) {
            Ok(0) => return (out, false),
            Ok(n) => out.extend_from_slice(&piece[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                panic!("the server neither answered nor closed within {PATIENCE:?}; got so far:\n{}", render(&out))
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return (out, true),
            Err(e) => panic!("read failed: {e}"),
        }
    }
}

/// One whole exchange: send `request`, say we are done sending, read to EOF.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(addr);
    stream.write_all(request).expect("send the request");
    stream.shutdown(Shutdown::Write).expect("shut down our sending side");
    read_to_close(&mut stream)
}

/// Renders bytes as text that shows exactly what was on the wire: printable
/// ASCII as itself, `\r` and `\n` escaped (each `\n` also ends the line, so a
/// response still reads as lines), anything else as `\xNN`.
///
/// Escaping CR matters: insta normalises CRLF to LF when it compares
/// snapshots, so raw text could not tell `\r\n` from a bare `\n`.
pub fn render(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    for &byte in bytes {
        match byte {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n\n"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out
}

/// A response as a client reads it.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of an echo line (`path: /x` gives `/x`).
    pub fn echo(&self, key: &str) -> Option<String> {
        let prefix = format!("{key}: ");
        self.body_text().lines().find_map(|line| line.strip_prefix(&prefix).map(str::to_string))
    }
}

/// Reads one response (a 1xx interim response counts as one) from `reader`.
/// `Ok(None)` at a clean EOF before any byte. A minimal client, written for
/// these tests: Content-Length, chunked, or read-until-close bodies.
pub fn read_response(reader: &mut impl BufRead, request_was_head: bool) -> io::Result<Option<Response>> {
    let mut line = Vec::new();
    if reader.read_until(b'\n', &mut line)? == 0 {
        return Ok(None);
    }
    let status_line = String::from_utf8_lossy(&line).into_owned();
    let mut parts = status_line.trim_end().splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if version != "HTTP/1.1" || !status_line.ends_with("\r\n") {
        return Err(invalid(format!("bad status line {status_line:?}")));
    }
    let status: u16 = parts.next().unwrap_or_default().parse().map_err(|_| invalid("bad status".into()))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\r\n") {
            return Err(invalid(format!("bad header line {:?}", String::from_utf8_lossy(&line))));
        }
        if line == b"\r\n" {
            break;
        }
        let text = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
        let (name, value) = text.split_once(':').ok_or_else(|| invalid(format!("no colon in {text:?}")))?;
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let mut response = Response { status, headers, body: Vec::new() };
    if request_was_head || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(Some(response));
    }
    if response.header("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        loop {
            line.clear();
            reader.read_until(b'\n', &mut line)?;
            let size_text = String::from_utf8_lossy(&line).trim().to_string();
            let size =
                usize::from_str_radix(&size_text, 16).map_err(|_| invalid(format!("bad chunk size {size_text:?}")))?;
            let mut data = vec![0; size + 2];
            reader.read_exact(&mut data)?;
            if !data.ends_with(b"\r\n") {
                return Err(invalid("chunk data not followed by CRLF".into()));
            }
            if size == 0 {
                if data != b"\r\n" {
                    return Err(invalid("trailers in a response".into()));
                }
                break;
            }
            response.body.extend_from_slice(&data[..size]);
        }
    } else if let Some(length) = response.header("content-length") {
        let length: usize = length.parse().map_err(|_| invalid("bad Content-Length".into()))?;
        response.body = vec![0; length];
        reader.read_exact(&mut response.body)?;
    } else {
        reader.read_to_end(&mut response.body)?;
    }
    Ok(Some(response))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Every response in `bytes` (a whole conversation read to EOF); `heads`
/// says which requests were HEAD, in order.
pub fn parse_responses(bytes: &[u8], heads: &[bool]) -> Vec<Response> {
    match try_parse_responses(bytes, heads) {
        Ok(responses) => responses,
        Err((_, error)) => panic!("not well-formed HTTP/1.1 ({error}):\n{}", render(bytes)),
    }
}

/// Like [`parse_responses`], but a malformed or cut-off response is an
/// error that carries the responses read before it.
pub fn try_parse_responses(bytes: &[u8], heads: &[bool]) -> Result<Vec<Response>, (Vec<Response>, io::Error)> {
    let mut reader = BufReader::new(bytes);
    let mut out = Vec::new();
    let mut finals = 0;
    loop {
        match read_response(&mut reader, heads.get(finals).copied().unwrap_or(false)) {
            Ok(Some(response)) => {
                if !(100..200).contains(&response.status) {
                    finals += 1;
                }
                out.push(response);
            }
            Ok(None) => return Ok(out),
            Err(error) => return Err((out, error)),
        }
    }
}

/// A plain GET with a Host header.
pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: example.test\r\n\r\n").into_bytes()
}
