"""Soak: a million mixed requests against one worker (``--workers 1``).

wrk (soak.lua) sends hello, upload, streamed, error and not-found requests on
16 keep-alive connections and checks every response; each thread stops after
its share, so the run is a number of requests (with a time guard). A warm-up
run of the same size comes first; then the main run, while the worker's RSS is
sampled.

Pass: zero failed requests (a response that is not what its kind must be, or
any socket error), RSS after the run within 5% of RSS after the warm-up, the
worker's open file descriptors back to the idle baseline, and every body the
app returned closed (close() counted by the app).
"""
import json
import os
import signal
import subprocess
import tempfile
import threading
import time

import common

WRK_THREADS = 2
CONNECTIONS = 16


def wrk(addr, total, guard_seconds):
    """Runs wrk until each thread has its share of `total` responses (at most
    guard_seconds); returns the SOAK summary line that soak.lua prints."""
    with tempfile.TemporaryDirectory(prefix="soak-") as done_dir:
        env = dict(os.environ, SOAK_PER_THREAD=str(total // WRK_THREADS), SOAK_DONE_DIR=done_dir)
        cmd = ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{guard_seconds}s",
               "--timeout", "10s", "-s", os.path.join(common.HERE, "soak.lua"),
               f"http://{addr[0]}:{addr[1]}/"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        common.wait_for(lambda: proc.poll() is not None or len(os.listdir(done_dir)) == WRK_THREADS,
                        guard_seconds + 5, step=0.1)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # wrk prints its summary and exits
        stdout, stderr = proc.communicate(timeout=60)
    for line in stdout.splitlines():
        if line.startswith("SOAK "):
            return json.loads(line[5:])
    raise RuntimeError(f"no SOAK line from wrk:\n{stdout}\n{stderr}")


def failures(result):
    return result["bad"] + result["connect"] + result["read"] + result["write"] + result["timeout"]


def main():
    args = common.arguments(__doc__).parse_args()
    total = 50_000 if args.quick else 1_000_000
    # The warm-up is as long as the run. A 14 MiB worker's memory settles
    # slowly: in a 5-million-request run (one worker) RSS grew 512 KiB during
    # the first million and 56, 64 and 104 KiB in later ones, so after only
    # 100k requests the settling alone came to 5%.
    warmup = 10_000 if args.quick else total
    check = common.Check("soak", f"{total:,} mixed requests (after a {warmup:,} warm-up) against "
                         f"--workers 1, wrk -t{WRK_THREADS} -c{CONNECTIONS}")
    server = common.Server(["--workers", "1"], log_name="soak")
    worker = server.worker_pid()
    fds_idle = common.idle_fds(worker)
    rss_start, _ = common.rss_kb(worker)

    first = wrk(server.addr, warmup, 600)
    fds_warm = common.settled_fds(worker, fds_idle)
    rss_warm, _ = common.rss_kb(worker)
    print(f"  warm-up: {first['requests']} requests in {first['seconds']:.1f} s; "
          f"RSS {common.mib(rss_start)} -> {common.mib(rss_warm)}", flush=True)

    samples = []
    running = threading.Event()
    running.set()

    def sample():
        while running.is_set():
            try:
                samples.append(common.rss_kb(worker)[0])
            except OSError:
                break
            time.sleep(1)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    main_run = wrk(server.addr, total, 3600)
    running.clear()
    sampler.join()

    fds_end = common.settled_fds(worker, fds_idle)
    rss_end, hwm = common.rss_kb(worker)
    stats = server.stats()
    stats = json.loads(common.get(server.addr, f"/stats?closed={stats['created']}&timeout=10").body)
    still_same_worker = server.worker_pid() == worker

    rate = main_run["requests"] / max(main_run["seconds"], 1e-9)
    check.note(f"main run: {main_run['requests']:,} requests in {main_run['seconds']:.1f} s "
               f"({rate:,.0f} req/s), p50 {main_run['p50_us'] / 1000:.2f} ms, "
               f"p99 {main_run['p99_us'] / 1000:.2f} ms; mix: hello {main_run['hello']:,}, "
               f"upload {main_run['upload']:,}, stream {main_run['stream']:,}, "
               f"error (500) {main_run['error']:,}, not found {main_run['notfound']:,}")
    check.measure("requests completed (main run)", f"{main_run['requests']:,}", f">= {total:,}",
                  main_run["requests"] >= total)
    fails = failures(main_run) + failures(first)
    detail = (f"bad {main_run['bad'] + first['bad']}, socket errors connect/read/write/timeout "
              f"{main_run['connect']}/{main_run['read']}/{main_run['write']}/{main_run['timeout']}")
    if main_run["first_bad"] or first["first_bad"]:
        detail += f", first bad: {main_run['first_bad'] or first['first_bad']}"
    check.measure("failed requests", f"{fails} ({detail})", "0", fails == 0)
    growth = (rss_end - rss_warm) / rss_warm * 100
    check.measure("worker RSS growth after warm-up",
                  f"{growth:+.2f}% ({common.mib(rss_warm)} -> {common.mib(rss_end)}; "
                  f"max sampled {common.mib(max(samples or [rss_end]))}, peak {common.mib(hwm)})",
                  "< 5%", growth < 5)
    check.measure("worker open fds after the run", f"{fds_end} (idle baseline {fds_idle}, "
                  f"after warm-up {fds_warm})", f"== {fds_idle}", fds_end == fds_idle)
    check.measure("bodies closed / bodies returned", f"{stats['closed']:,} / {stats['created']:,}",
                  "all", stats["closed"] == stats["created"])
    check.measure("same worker throughout", worker if still_same_worker else "replaced",
                  "no restart", still_same_worker)
    server.stop()
    server.remove_log()
    return check.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())
