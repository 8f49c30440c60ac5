#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target from the engine's fixtures.

    python3 server/fuzz/seed_corpus.py

Reads `server/tests/fixtures/requests/*.http` (raw requests, exactly as a
client sends them) and writes `server/fuzz/corpus/<target>/seed-<fixture>`:

- head, reader, environ: the fixture's bytes, unchanged (a request stream);
- chunked: the bytes after the head of every fixture whose head says
  `Transfer-Encoding` (a chunked body, valid or not, and what follows it),
  plus a few hand-made bodies.

Old `seed-*` files are replaced; files a fuzzing run added are left alone.
Run it again after adding fixtures, and commit the seeds it wrote.
"""
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
FIXTURES = FUZZ.parent / "tests" / "fixtures" / "requests"

EXTRA_CHUNKED = {
    "empty-body": b"0\r\n\r\n",
    "two-chunks-trailer": b"5\r\nhello\r\n6;name=\"x\"\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT",
    "max-digits": b"000000000000000a\r\n0123456789\r\n0\r\n\r\n",
}


def write(target: str, name: str, data: bytes) -> None:
    (FUZZ / "corpus" / target / f"seed-{name}").write_bytes(data)


def main() -> None:
    fixtures = sorted(FIXTURES.glob("*.http"))
    assert len(fixtures) >= 100, f"fixtures not found in {FIXTURES}"
    for target in ["head", "reader", "chunked", "environ"]:
        folder = FUZZ / "corpus" / target
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("seed-*"):
            old.unlink()
    for fixture in fixtures:
        data = fixture.read_bytes()
        for target in ["head", "reader", "environ"]:
            write(target, fixture.stem, data)
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep and b"transfer-encoding" in head.lower() and rest:
            write("chunked", fixture.stem, rest)
    for name, data in EXTRA_CHUNKED.items():
        write("chunked", name, data)
    for target in ["head", "reader", "chunked", "environ"]:
        count = len(list((FUZZ / "corpus" / target).glob("seed-*")))
        print(f"corpus/{target}: {count} seeds")


if __name__ == "__main__":
    main()
