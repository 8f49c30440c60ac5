//! Helpers shared by the fuzz targets.
#![allow(dead_code)]

use wsgi_server::http::Config;

/// The two configurations the engine fixtures use: the defaults, and the tight
/// limits of the `limit-*` fixtures (64-byte request line, 2 KiB head, 64-byte body).
pub fn configs() -> [Config; 2] {
    [
        Config::default(),
        Config { max_request_line: 64, max_head: 2048, max_body: 64, ..Config::default() },
    ]
}

/// FNV-1a: a seed for split points that depends on every input byte.
pub fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

/// Cuts `data` into pieces of pseudo-random sizes (1..=max_piece), the way a
/// network might deliver it. The same input always gets the same cuts.
pub fn pieces(data: &[u8], seed: u64, max_piece: usize) -> Vec<&[u8]> {
    let mut state = seed | 1;
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let size = 1 + (state % max_piece as u64) as usize;
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        out.push(piece);
        rest = tail;
    }
    out
}
