-- wrk script shared by every scenario.
--   BENCH_BODY_BYTES=N  send a POST with an N-byte body (the upload scenario)
-- At the end it prints one line "BENCH_JSON {...}" that bench.py parses.
local body_bytes = tonumber(os.getenv("BENCH_BODY_BYTES") or "0")
if body_bytes > 0 then
  wrk.method = "POST"
  wrk.body = string.rep("u", body_bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
