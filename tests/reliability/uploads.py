"""Large uploads: a 200 MiB chunked upload is spooled to disk and the
server's memory stays small.

One worker (``--workers 1``, default ``--spool-threshold`` of 1 MiB). The
client streams 200 MiB in 64 KiB chunks (``Transfer-Encoding: chunked``),
then the same size with a Content-Length; the app reads ``wsgi.input`` to the
end, answers length and CRC-32, and says whether the body was in a (deleted)
temporary file while it read it. Around the threshold, 1 MiB - 1 KiB stays in
memory and 1 MiB + 1 KiB is spooled.

Pass: length and CRC-32 match, the big bodies were spooled, the worker's peak
RSS (VmHWM, since it started) stays under 64 MB, and afterwards its open
fds are back to the baseline (the temporary file is gone).
"""
import threading
import time
import zlib

import common

BLOCK = 64 * 1024
LIMIT_KB = 64 * 1000  # 64 MB (the limit), in KiB: 62.5 MiB


def pattern_block(i):
    return bytes([(i * 7 + j) % 251 for j in range(256)]) * (BLOCK // 256)


BLOCKS = [pattern_block(i) for i in range(16)]


def upload(addr, size, chunked):
    """Sends `size` bytes to /upload; returns (the app's JSON, client crc, seconds)."""
    conn = common.Conn(addr, timeout=120)
    head = "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
    conn.send(head.encode())
    crc, sent, i = 0, 0, 0
    started = time.monotonic()
    while sent < size:
        block = BLOCKS[i % len(BLOCKS)][:size - sent]
        crc = zlib.crc32(block, crc)
        conn.send(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
        sent += len(block)
        i += 1
    if chunked:
        conn.send(b"0\r\n\r\n")
    response = conn.read_response()
    conn.close()
    import json
    return json.loads(response.body), crc, time.monotonic() - started


def main():
    args = common.arguments(__doc__).parse_args()
    size = 200 * 1024 * 1024
    check = common.Check("uploads", "200 MiB uploads (chunked, then Content-Length) to --workers 1, "
                         "default --spool-threshold (1 MiB)")
    server = common.Server(["--workers", "1"], log_name="uploads")
    worker = server.worker_pid()
    fds_idle = common.idle_fds(worker)
    rss_idle, _ = common.rss_kb(worker)

    for below, above in [(1024 * 1024 - 1024, 1024 * 1024 + 1024)]:
        small, _, _ = upload(server.addr, below, chunked=True)
        big, _, _ = upload(server.addr, above, chunked=True)
        check.measure("spool threshold (1 MiB): 1 MiB - 1 KiB / 1 MiB + 1 KiB",
                      f"in memory: {small['spooled'] == 0}, spooled: {big['spooled'] == 1}",
                      "in memory / spooled", small["spooled"] == 0 and big["spooled"] == 1)

    samples = []
    running = threading.Event()
    running.set()

    def sample():
        while running.is_set():
            samples.append(common.rss_kb(worker)[0])
            time.sleep(0.05)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for chunked in (True, False):
        name = "chunked" if chunked else "Content-Length"
        report, crc, seconds = upload(server.addr, size, chunked)
        check.measure(f"200 MiB {name} upload received whole",
                      f"{report['length']:,} bytes, crc32 {'matches' if report['crc32'] == crc else 'DIFFERS'} "
                      f"({seconds:.1f} s, {size / seconds / 1024 / 1024:.0f} MiB/s)",
                      f"{size:,} bytes, same crc32", report["length"] == size and report["crc32"] == crc)
        check.measure(f"200 MiB {name} upload spooled to disk",
                      f"{report['spooled']} deleted temporary file(s) open while the app read it", "1",
                      report["spooled"] == 1)
    running.clear()
    sampler.join()
    _, hwm = common.rss_kb(worker)
    check.measure("worker peak RSS (VmHWM) over both uploads",
                  f"{common.mib(hwm)} (idle {common.mib(rss_idle)}, max sampled every 50 ms "
                  f"{common.mib(max(samples))})", f"< 64 MB ({common.mib(LIMIT_KB)})", hwm < LIMIT_KB)
    fds_end = common.settled_fds(worker, fds_idle)
    check.measure("worker open fds afterwards (temporary files gone)", f"{fds_end} (idle baseline {fds_idle})",
                  f"== {fds_idle}", fds_end == fds_idle)
    server.stop()
    server.remove_log()
    return check.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())
