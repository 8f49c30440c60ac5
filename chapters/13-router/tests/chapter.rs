//! The tests of chapter 13, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 13` runs them against `exercise/matcher.rs`.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ch13_router::app::RoutedApp;
use ch13_router::environ::percent_decode;
use ch13_router::matcher::{match_path, Match, Miss};
use ch13_router::python;
use ch13_router::routes::{Router, Value};
use proptest::prelude::*;
use pyo3::prelude::*;

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// The route table of the match snapshots: (method, pattern, endpoint).
const TABLE: &[(&str, &str, &str)] = &[
    ("GET", "/", "index"),
    ("GET", "/hello/<name>", "hello"),
    ("GET", "/hello/world", "hello_world"),
    ("GET", "/user/<int:id>", "user"),
    ("POST", "/user/<int:id>", "user"),
    ("GET", "/user/me", "me"),
    ("GET", "/user/<name>", "user_by_name"),
    ("GET", "/files/<path:rest>", "files"),
    ("GET", "/files/README", "readme"),
    ("GET", "/blog/<int:year>/<slug>", "post"),
    ("GET", "/a/b/c", "abc"),
    ("GET", "/a/<x>/d", "axd"),
    ("GET", "/trailing/", "trailing"),
];

fn router(table: &[(&str, &str, &str)]) -> Router {
    let mut router = Router::new();
    for (method, pattern, endpoint) in table {
        router.add(method, pattern, endpoint).expect("a good route");
    }
    router
}

fn show(outcome: &Result<Match, Miss>) -> String {
    match outcome {
        Ok(found) => {
            let values: Vec<String> = found
                .values
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            format!("-> {} {}", found.endpoint, values.join(" "))
                .trim_end()
                .to_string()
        }
        Err(Miss::NotFound) => "404 Not Found".to_string(),
        Err(Miss::MethodNotAllowed(methods)) => {
            format!("405 Method Not Allowed, Allow: {}", methods.join(", "))
        }
    }
}

#[test]
fn the_trie_of_the_table() {
    insta::assert_snapshot!("ch13_trie", router(TABLE).describe());
}

#[test]
fn a_route_table_answers() {
    let router = router(TABLE);
    let requests = [
        ("GET", "/"),
        ("GET", ""),
        ("GET", "/hello/Ada"),
        ("GET", "/hello/café"),
        ("GET", "/hello/world"),
        ("GET", "/hello/"),
        ("GET", "/hello"),
        ("GET", "/hello/a/b"),
        ("GET", "/user/42"),
        ("GET", "/user/007"),
        ("GET", "/user/me"),
        ("GET", "/user/ada"),
        ("GET", "/user/99999999999999999999"),
        ("POST", "/user/42"),
        ("POST", "/user/me"),
        ("DELETE", "/user/42"),
        ("GET", "/files/a/b/c.txt"),
        ("GET", "/files/README"),
        ("GET", "/files/README/old"),
        ("GET", "/files/"),
        ("GET", "/files//x"),
        ("GET", "/blog/2024/hello-world"),
        ("GET", "/blog/latest/hello-world"),
        ("GET", "/a/b/c"),
        ("GET", "/a/b/d"),
        ("GET", "/a/x/c"),
        ("GET", "/trailing/"),
        ("GET", "/trailing"),
        ("GET", "no-slash"),
        ("PUT", "/nowhere"),
    ];
    let mut report = String::new();
    for (method, path) in requests {
        let outcome = match_path(&router, method, path);
        writeln!(report, "{method:<6} {path:<28} {}", show(&outcome)).unwrap();
    }
    insta::assert_snapshot!("ch13_matches", report);
}

#[test]
fn urls_are_built_and_escaped() {
    let router = router(TABLE);
    let s = |text: &str| Value::Str(text.to_string());
    let cases: Vec<(&str, Vec<(&str, Value)>)> = vec![
        ("index", vec![]),
        ("hello", vec![("name", s("Ada"))]),
        ("hello", vec![("name", s("Ada Lovelace"))]),
        ("hello", vec![("name", s("café"))]),
        ("hello", vec![("name", s("100%?#&+"))]),
        ("hello", vec![("name", s("a/b"))]),
        ("hello", vec![("name", s(""))]),
        ("user", vec![("id", Value::Int(42))]),
        ("user", vec![("id", s("42"))]),
        ("user", vec![]),
        ("user", vec![("id", Value::Int(1)), ("page", Value::Int(2))]),
        ("files", vec![("rest", s("docs/read me.txt"))]),
        ("files", vec![("rest", Value::Int(3))]),
        ("post", vec![("slug", s("hi")), ("year", Value::Int(2024))]),
        ("trailing", vec![]),
        ("nobody", vec![]),
    ];
    let mut report = String::new();
    for (endpoint, values) in cases {
        let values: Vec<(String, Value)> = values
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        let shown: Vec<String> = values.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let built = match router.url_for(endpoint, &values) {
            Ok(url) => url,
            Err(err) => format!("error: {err}"),
        };
        writeln!(report, "{endpoint:<8} {:<34} {built}", shown.join(" ")).unwrap();
    }
    insta::assert_snapshot!("ch13_url_for", report);
}

#[test]
fn bad_route_tables_are_refused() {
    let tables: &[&[(&str, &str, &str)]] = &[
        &[("GET", "hello", "hello")],
        &[("GET", "/x/<float:f>", "x")],
        &[("GET", "/x/<path:p>/y", "x")],
        &[("GET", "/x/<a>/<a>", "x")],
        &[("GET", "/x/<1st>", "x")],
        &[("GET", "/x/page<int:n>", "x")],
        &[("GET", "/x//y", "x")],
        &[
            ("GET", "/user/<int:id>", "a"),
            ("GET", "/user/<int:uid>", "b"),
        ],
        &[("GET", "/a", "same"), ("GET", "/b", "same")],
    ];
    let mut report = String::new();
    for table in tables {
        let mut router = Router::new();
        let verdict = table
            .iter()
            .try_for_each(|(method, pattern, endpoint)| router.add(method, pattern, endpoint));
        let routes: Vec<String> = table.iter().map(|(m, p, _)| format!("{m} {p}")).collect();
        let verdict = match verdict {
            Ok(()) => "accepted".to_string(),
            Err(err) => err.to_string(),
        };
        writeln!(report, "{:<40} {verdict}", routes.join(" + ")).unwrap();
    }
    insta::assert_snapshot!("ch13_bad_routes", report);
}

/// A client socket with a generous read timeout: if the server is broken,
/// the test fails instead of hanging.
fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

#[test]
fn routed_app_over_tcp() {
    // One request per connection: `Connection: close` makes the server
    // close it after the answer (HTTP/1.1 would keep it alive otherwise).
    let requests: &[&str] = &[
        "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /hello/Ada%20Lovelace HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /hello/caf%C3%A9 HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /user/42 HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /user/me HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /user/ada HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /files/docs/read%20me.txt HTTP/1.1\r\nConnection: close\r\n\r\n",
        "PUT /files/notes.txt HTTP/1.1\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
        "DELETE /files/notes.txt HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /hello/%FF HTTP/1.1\r\nConnection: close\r\n\r\n",
    ];
    python::init();
    let app = Python::attach(|py| {
        let routed = RoutedApp::from_module(py.import("routed_app").unwrap().as_any()).unwrap();
        // The matcher runs once on this thread first: an unfinished one
        // fails here at once, not in a worker while the client waits.
        assert!(match_path(&routed.router, "GET", "/user/42").is_ok());
        Bound::new(py, routed).unwrap().into_any().unbind()
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = requests.len();
    let server = thread::spawn(move || ch13_router::run(listener, app, 2, Some(count), false));
    let mut transcript = String::new();
    for request in requests {
        let mut client = connect(addr);
        client.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        client.read_to_end(&mut response).unwrap();
        let line = request.lines().next().unwrap_or_default();
        writeln!(transcript, ">>> {line}\n{}\n", raw(&response)).unwrap();
    }
    assert_eq!(
        server.join().expect("server thread panicked").unwrap(),
        count
    );
    insta::assert_snapshot!("ch13_over_tcp", transcript);
}

/// What the server does to a URL before the router sees it: `%XX` decoded
/// once (chapter 10), then the bytes read as UTF-8.
fn as_the_server_decodes(url: &str) -> String {
    String::from_utf8(percent_decode(url.as_bytes())).expect("url_for escapes UTF-8")
}

/// The table of the properties: no two routes compete for a URL, so the
/// route built from is the route matched.
const PROPERTY_TABLE: &[(&str, &str, &str)] = &[
    ("GET", "/hello/<name>", "hello"),
    ("GET", "/user/<int:id>", "user"),
    ("GET", "/user/me", "me"),
    ("GET", "/files/<path:rest>", "files"),
    ("GET", "/blog/<int:year>/<slug>/comments", "comments"),
];

/// An endpoint of `PROPERTY_TABLE` with values for its placeholders.
fn endpoint_and_values() -> impl Strategy<Value = (&'static str, Vec<(String, Value)>)> {
    // Any text but `/` for one segment; any text for a path (with `/`s).
    let segment = "[^/]{1,12}";
    let path = "[a-z/ é%?#.]{0,20}".prop_filter("a <path> value is not empty", |s| !s.is_empty());
    prop_oneof![
        segment.prop_map(|name| ("hello", vec![("name".to_string(), Value::Str(name))])),
        any::<u64>().prop_map(|id| ("user", vec![("id".to_string(), Value::Int(id))])),
        Just(("me", vec![])),
        path.prop_map(|rest| ("files", vec![("rest".to_string(), Value::Str(rest))])),
        (any::<u64>(), segment).prop_map(|(year, slug)| (
            "comments",
            vec![
                ("year".to_string(), Value::Int(year)),
                ("slug".to_string(), Value::Str(slug))
            ]
        )),
    ]
}

proptest! {
    // No regression files: a failing exercise must not litter the chapter.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Building a URL, then matching it, gives back the endpoint and values.
    #[test]
    fn building_then_matching_gives_back_the_values((endpoint, values) in endpoint_and_values()) {
        let router = router(PROPERTY_TABLE);
        let url = router.url_for(endpoint, &values).unwrap();
        let found = match_path(&router, "GET", &as_the_server_decodes(&url));
        prop_assert_eq!(found, Ok(Match { endpoint: endpoint.to_string(), values }));
    }

    /// Any path the big table matches, rebuilt from what was matched, is a
    /// URL that matches the same way (`/user/007` comes back as `/user/7`).
    #[test]
    fn a_match_rebuilds_into_a_url_with_the_same_match(
        segments in proptest::collection::vec("(hello|user|files|me|a|b|c|d|42|007|x y|)", 0..5)
    ) {
        let router = router(TABLE);
        let path = format!("/{}", segments.join("/"));
        if let Ok(found) = match_path(&router, "GET", &path) {
            let url = router.url_for(&found.endpoint, &found.values).unwrap();
            prop_assert_eq!(match_path(&router, "GET", &as_the_server_decodes(&url)), Ok(found));
        }
    }
}
