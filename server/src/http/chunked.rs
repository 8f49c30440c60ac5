//! Chunked transfer coding (RFC 9112 §7.1), decoded by a hand-written state machine.
//!
//! A chunked body is a series of `SIZE-IN-HEX [;extensions] CRLF DATA CRLF`
//! chunks, ended by a zero-size chunk, optional trailer fields and a final CRLF:
//!
//! ```text
//! 5\r\nhello\r\n6;name=x\r\n world\r\n0\r\nTrailer: t\r\n\r\n
//! ```
//!
//! The decoder is fed whatever bytes have arrived, in pieces of any size, and
//! remembers where it stopped. It is strict on purpose, because every leniency
//! here has been a request-smuggling bug in some server: a size line needs at
//! least one hex digit (an empty size is *not* zero), sizes may not overflow,
//! the CRLF after each chunk's data is required, extensions and trailers may
//! not hide a bare CR or LF, and trailers are thrown away rather than merged
//! into the request's headers.

use super::error::HttpError;
use super::request::is_tchar;

/// Longest chunk-size line we accept (size, extensions and all).
const MAX_SIZE_LINE: usize = 4096;
/// Longest trailer section we read (and discard).
const MAX_TRAILERS: usize = 16 * 1024;

// ANCHOR: states
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the hex digits of a chunk size.
    Size,
    /// After the digits: `;`, the CR, or whitespace before a `;`.
    AfterSize,
    /// Whitespace after the digits, which only a `;` may follow (RFC 9112
    /// §7.1 allows it before an extension, not before the line's end).
    BeforeExtension,
    /// Inside `;name=value` extensions, which we skip.
    Extension,
    /// Saw the CR that ends the size line; the LF must follow.
    SizeLf,
    /// Inside a chunk's data, with this many bytes still to come.
    Data(u64),
    /// After the data, the CR is required...
    DataCr,
    /// ...and then the LF.
    DataLf,
    /// At the start of a trailer line (or of the final empty line).
    TrailerStart,
    /// Inside a trailer field's name, which must be a token ending in `:`.
    TrailerName,
    /// Inside a trailer field's value, which we skip.
    TrailerLine,
    /// Saw the CR ending a trailer line.
    TrailerLf,
    /// Saw the CR of the final empty line.
    FinalLf,
    /// The body is complete.
    Done,
}
// ANCHOR_END: states

/// What one call to [`ChunkedDecoder::decode`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// How many input bytes were used up (the caller drops them).
    pub consumed: usize,
    /// Whether the final chunk and trailers have been read.
    pub done: bool,
}

/// Decodes a chunked body incrementally.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    size: u64,
    digits: usize,
    line_len: usize,
    trailer_len: usize,
    total: u64,
    max_body: u64,
}

impl ChunkedDecoder {
    /// A decoder that refuses (with 413) bodies longer than `max_body` bytes.
    pub fn new(max_body: u64) -> Self {
        ChunkedDecoder {
            state: State::Size,
            size: 0,
            digits: 0,
            line_len: 0,
            trailer_len: 0,
            total: 0,
            max_body,
        }
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes as much of `input` as possible, handing each piece of body data
    /// to `on_data` (as slices of `input`, so nothing is copied here).
    pub fn decode<'a>(
        &mut self,
        input: &'a [u8],
        on_data: &mut dyn FnMut(&'a [u8]),
    ) -> Result<Decoded, HttpError> {
        let mut pos = 0;
        while pos < input.len() {
            let byte = input[pos];
            match self.state {
                State::Data(remaining) => {
                    // The only state that eats many bytes at once.
                    let available = (input.len() - pos) as u64;
                    let take = remaining.min(available) as usize;
                    on_data(&input[pos..pos + take]);
                    pos += take;
                    let left = remaining - take as u64;
                    self.state = if left == 0 { State::DataCr } else { State::Data(left) };
                    continue;
                }
                // ANCHOR: size
                State::Size => {
                    self.count_line_byte()?;
                    if let Some(value) = hex_value(byte) {
                        self.digits += 1;
                        // The value must fit, however many leading zeros it has.
                        self.size = self
                            .size
                            .checked_mul(16)
                            .and_then(|size| size.checked_add(u64::from(value)))
                            .ok_or_else(|| HttpError::bad_request("chunk size too large"))?;
                    } else if self.digits == 0 {
                        // httparse's parse_chunk_size would read "" as 0 and end the
                        // body early; that is the "empty chunk size" smuggling bug.
                        return Err(HttpError::bad_request("chunk size has no digits"));
                    } else {
                        self.state = State::AfterSize;
                        continue; // look at this byte again in the next state
                    }
                }
                // ANCHOR_END: size
                State::AfterSize => {
                    self.count_line_byte()?;
                    match byte {
                        b' ' | b'\t' => self.state = State::BeforeExtension,
                        b';' => self.state = State::Extension,
                        b'\r' => self.state = State::SizeLf,
                        _ => return Err(HttpError::bad_request("invalid chunk size line")),
                    }
                }
                State::BeforeExtension => {
                    self.count_line_byte()?;
                    match byte {
                        b' ' | b'\t' => {}
                        b';' => self.state = State::Extension,
                        _ => return Err(HttpError::bad_request("invalid chunk size line")),
                    }
                }
                State::Extension => {
                    self.count_line_byte()?;
                    match byte {
                        b'\r' => self.state = State::SizeLf,
                        b'\t' => {}
                        // A bare LF (or any other control byte) inside an extension is
                        // read differently by different parsers: refuse it.
                        0..=0x1f | 0x7f => {
                            return Err(HttpError::bad_request("invalid chunk extension"))
                        }
                        _ => {}
                    }
                }
                State::SizeLf => {
                    if byte != b'\n' {
                        return Err(HttpError::bad_request("chunk size line must end in CRLF"));
                    }
                    self.start_chunk()?;
                }
                State::DataCr => {
                    if byte != b'\r' {
                        return Err(HttpError::bad_request("chunk data must be followed by CRLF"));
                    }
                    self.state = State::DataLf;
                }
                State::DataLf => {
                    if byte != b'\n' {
                        return Err(HttpError::bad_request("chunk data must be followed by CRLF"));
                    }
                    self.state = State::Size;
                }
                State::TrailerStart => {
                    self.count_trailer_byte()?;
                    match byte {
                        b'\r' => self.state = State::FinalLf,
                        _ if is_tchar(byte) => self.state = State::TrailerName,
                        _ => return Err(HttpError::bad_request("invalid trailer field")),
                    }
                }
                // ANCHOR: trailers
                // Trailer lines are field lines (`name: value`), checked as
                // strictly as header lines. Without this, a client that left out
                // the final CRLF had the next request's line (`GET / HTTP/1.1`)
                // silently swallowed as a "trailer".
                State::TrailerName => {
                    self.count_trailer_byte()?;
                    match byte {
                        b':' => self.state = State::TrailerLine,
                        _ if is_tchar(byte) => {}
                        _ => return Err(HttpError::bad_request("invalid trailer field")),
                    }
                }
                State::TrailerLine => {
                    self.count_trailer_byte()?;
                    match byte {
                        b'\r' => self.state = State::TrailerLf,
                        b'\t' => {}
                        0..=0x1f | 0x7f => {
                            return Err(HttpError::bad_request("invalid trailer field"))
                        }
                        _ => {}
                    }
                }
                // ANCHOR_END: trailers
                State::TrailerLf => {
                    if byte != b'\n' {
                        return Err(HttpError::bad_request("trailer line must end in CRLF"));
                    }
                    self.state = State::TrailerStart;
                }
                State::FinalLf => {
                    if byte != b'\n' {
                        return Err(HttpError::bad_request("chunked body must end in CRLF"));
                    }
                    self.state = State::Done;
                    return Ok(Decoded { consumed: pos + 1, done: true });
                }
                State::Done => break,
            }
            pos += 1;
        }
        Ok(Decoded { consumed: pos, done: self.state == State::Done })
    }

    fn count_line_byte(&mut self) -> Result<(), HttpError> {
        self.line_len += 1;
        if self.line_len > MAX_SIZE_LINE {
            return Err(HttpError::bad_request("chunk size line too long"));
        }
        Ok(())
    }

    fn count_trailer_byte(&mut self) -> Result<(), HttpError> {
        self.trailer_len += 1;
        if self.trailer_len > MAX_TRAILERS {
            return Err(HttpError::new(431, "trailer section too large"));
        }
        Ok(())
    }

    /// Called when a size line is complete: either data follows, or (size 0) the trailers.
    fn start_chunk(&mut self) -> Result<(), HttpError> {
        let size = self.size;
        self.size = 0;
        self.digits = 0;
        self.line_len = 0;
        if size == 0 {
            self.state = State::TrailerStart;
            return Ok(());
        }
        self.total = self
            .total
            .checked_add(size)
            .filter(|total| *total <= self.max_body)
            .ok_or(HttpError::new(413, "request body too large"))?;
        self.state = State::Data(size);
        Ok(())
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Appends one chunk (`SIZE CRLF DATA CRLF`) to `out`. Empty data writes
/// nothing: an empty chunk would mean "end of body".
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    out.reserve(data.len() + 20);
    write_hex(data.len(), out);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The last chunk with no trailers: what ends every chunked response.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

fn write_hex(mut value: usize, out: &mut Vec<u8>) {
    let mut digits = [0u8; 16];
    let mut n = 0;
    loop {
        digits[n] = b"0123456789abcdef"[value & 0xf];
        n += 1;
        value >>= 4;
        if value == 0 {
            break;
        }
    }
    out.extend(digits[..n].iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> Result<(Vec<u8>, usize), HttpError> {
        let mut body = Vec::new();
        let mut decoder = ChunkedDecoder::new(1 << 20);
        let decoded = decoder.decode(input, &mut |data| body.extend_from_slice(data))?;
        assert!(decoded.done, "body not complete");
        Ok((body, decoded.consumed))
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers() {
        let input = b"5\r\nhello\r\n6;name=\"x\"\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
        let (body, consumed) = decode_all(input).unwrap();
        assert_eq!(body, b"hello world");
        assert_eq!(&input[consumed..], b"NEXT");
    }

    #[test]
    fn refuses_the_classic_smuggling_shapes() {
        for bad in [
            &b"\r\n\r\n"[..],                 // empty size
            b"5\r\nhelloXX0\r\n\r\n",         // missing CRLF after data
            b"5\nhello\r\n0\r\n\r\n",         // bare LF after size
            b"5;a\nb\r\nhello\r\n0\r\n\r\n",  // bare LF inside an extension
            b"-5\r\nhello\r\n0\r\n\r\n",      // sign
            b"0x5\r\nhello\r\n0\r\n\r\n",     // prefix
            b"fffffffffffffffff\r\n",         // 17 digits: overflow
            b"10000000000000000\r\n",         // 2^64: overflow
            b"5 \r\nhello\r\n0\r\n\r\n",       // whitespace, then no extension
            b"5\t\r\nhello\r\n0\r\n\r\n",      // the same with a tab
            b"0\r\nBad Trailer\n\r\n",        // bare LF in a trailer
            b"0\r\nGET / HTTP/1.1\r\n\r\n",     // a request line is not a trailer field
            b"0\r\nX-T\r\n\r\n",                // a trailer field needs a colon
        ] {
            let mut decoder = ChunkedDecoder::new(u64::MAX);
            assert!(decoder.decode(bad, &mut |_| {}).is_err(), "accepted {:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn leading_zeros_and_whitespace_before_an_extension_are_fine() {
        let input = b"00000000000000000000005\r\nhello\r\n6 \t; name=x\r\n world\r\n0000\r\n\r\nNEXT";
        let (body, consumed) = decode_all(input).unwrap();
        assert_eq!(body, b"hello world");
        assert_eq!(&input[consumed..], b"NEXT");
        // The largest size there is still parses.
        let mut decoder = ChunkedDecoder::new(u64::MAX);
        assert!(decoder.decode(b"ffffffffffffffff\r\n", &mut |_| {}).is_ok());
    }

    #[test]
    fn enforces_the_body_limit() {
        let mut decoder = ChunkedDecoder::new(4);
        let err = decoder.decode(b"5\r\nhello\r\n0\r\n\r\n", &mut |_| {}).unwrap_err();
        assert_eq!(err.status, 413);
    }

    #[test]
    fn encodes_hex_sizes() {
        let mut out = Vec::new();
        encode_chunk(&[b'a'; 26], &mut out);
        assert!(out.starts_with(b"1a\r\naaaa"));
        encode_chunk(b"", &mut out);
        assert_eq!(out.len(), 4 + 26 + 2);
    }
}
