//! What the engine does when a handler misbehaves: panics, answers nothing,
//! or hands it a head that would break the framing. The client always gets
//! a well-formed response (or a clean close) and the server goes on serving.

use std::sync::Arc;

use wsgi_server::http::echo::EchoHandler;
use wsgi_server::http::{Config, Handler, Request, Responder, ResponseHead};

use crate::common::{exchange, get, parse_responses, TestServer};

/// Answers `/bad/N` with the N-th broken head, anything else like the echo.
struct BadHeads;

fn bad_head(which: usize) -> Option<ResponseHead> {
    let ok = || ResponseHead::new(200, "OK");
    Some(match which {
        0 => ok().header("X-Injected", "a\r\nSet-Cookie: stolen=1"),
        1 => ok().header("X-Bare-Lf", "a\nb"),
        2 => ok().header("X-Nul", "a\0b"),
        3 => ok().header("Bad Name", "x"),
        4 => ok().header("", "x"),
        5 => ok().header("X-Colon:", "x"),
        6 => ResponseHead::new(200, "OK\r\nSet-Cookie: stolen=1"),
        7 => ResponseHead::new(103, "Early Hints"),
        8 => ResponseHead::new(600, "Out Of Range"),
        9 => ResponseHead::new(0, "Zero"),
        _ => return None,
    })
}

impl Handler for BadHeads {
    fn handle(&self, request: Request, mut response: Responder) {
        let path = String::from_utf8_lossy(&request.head.path).into_owned();
        match path.strip_prefix("/bad/").and_then(|n| n.parse().ok()).and_then(bad_head) {
            Some(head) => {
                let _ = response.send_whole(head, b"body");
            }
            None => EchoHandler.handle(request, response),
        }
    }
}

#[test]
fn a_head_that_would_break_the_framing_becomes_a_500() {
    let server = TestServer::start(Config::default(), Arc::new(BadHeads));
    for which in 0.. {
        if bad_head(which).is_none() {
            break;
        }
        // The bad request, then one that must not be answered on this connection.
        let mut request = get(&format!("/bad/{which}"));
        request.extend_from_slice(&get("/never-answered"));
        let raw = exchange(server.addr, &request);
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("stolen"), "head {which} injected a header:\n{text}");
        let responses = parse_responses(&raw, &[false]);
        assert_eq!(responses.len(), 1, "head {which}:\n{text}");
        assert_eq!(responses[0].status, 500, "head {which}:\n{text}");
        assert_eq!(responses[0].header("connection"), Some("close"));
    }
    // The server is fine: a good request on a new connection is answered.
    let responses = parse_responses(&exchange(server.addr, &get("/fine")), &[false]);
    assert_eq!(responses[0].status, 200);
}

/// Two workers, twenty panics and twenty silent handlers: each costs one
/// response, never a worker, so the server still answers afterwards.
#[test]
fn panicking_handlers_cost_one_response_each_and_no_worker() {
    let server = TestServer::echo(Config { threads: 2, ..Config::default() });
    for round in 0..20 {
        for path in ["/panic", "/nothing"] {
            let responses = parse_responses(&exchange(server.addr, &get(path)), &[false]);
            assert_eq!(responses.len(), 1);
            assert_eq!(responses[0].status, 500, "{path} round {round}");
            assert_eq!(responses[0].header("connection"), Some("close"));
        }
    }
    let mut pipeline = get("/a");
    pipeline.extend_from_slice(&get("/b"));
    let responses = parse_responses(&exchange(server.addr, &pipeline), &[]);
    let paths: Vec<_> = responses.iter().map(|r| r.echo("path").unwrap()).collect();
    assert_eq!(paths, ["/a", "/b"]);
}
