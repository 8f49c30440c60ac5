-- The soak mix for wrk: each connection cycles through ten requests, and every
-- response is checked against what its kind must look like. A thread stops
-- after SOAK_PER_THREAD responses and says so with a file in SOAK_DONE_DIR;
-- soak.py then ends wrk with SIGINT (wrk's main thread otherwise sleeps for
-- the whole -d), so a run is a number of requests, not a time.
--
--   4 x GET /hello                    200, "Hello, world!"
--   2 x POST /upload (32 KiB body)    200, {"length": 32768, ...}
--   2 x GET /stream?n=8&size=1024     200, chunked, 8192 bytes
--   1 x GET /error                    500 (the app raises)
--   1 x GET /nowhere                  404, "not found\n"

local threads = {}
function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

-- Built in init: wrk sets the Host header (wrk.headers) only when a thread starts.
function init(args)
   local upload_body = string.rep("u", 32768)
   local upload_headers = {["Content-Type"] = "application/octet-stream"}
   mix = {
      wrk.format("GET", "/hello"),
      wrk.format("POST", "/upload", upload_headers, upload_body),
      wrk.format("GET", "/stream?n=8&size=1024"),
      wrk.format("GET", "/hello"),
      wrk.format("GET", "/error"),
      wrk.format("GET", "/hello"),
      wrk.format("POST", "/upload", upload_headers, upload_body),
      wrk.format("GET", "/stream?n=8&size=1024"),
      wrk.format("GET", "/nowhere"),
      wrk.format("GET", "/hello"),
   }
   limit = tonumber(os.getenv("SOAK_PER_THREAD") or "1000")
   index = 0
   seen = 0
   good = {hello = 0, upload = 0, stream = 0, error = 0, notfound = 0}
   bad = 0
   first_bad = ""
end

function request()
   index = index % #mix + 1
   return mix[index]
end

function response(status, headers, body)
   seen = seen + 1
   if status == 200 and body == "Hello, world!" then
      good.hello = good.hello + 1
   elseif status == 200 and string.sub(body, 1, 17) == '{"length": 32768,' then
      good.upload = good.upload + 1
   elseif status == 200 and #body == 8192 then
      good.stream = good.stream + 1
   elseif status == 500 then
      good.error = good.error + 1
   elseif status == 404 and body == "not found\n" then
      good.notfound = good.notfound + 1
   else
      bad = bad + 1
      if first_bad == "" then
         first_bad = status .. " " .. string.sub(body, 1, 80)
      end
   end
   if seen == limit then
      local marker = io.open(os.getenv("SOAK_DONE_DIR") .. "/thread-" .. id, "w")
      marker:close()
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local total = {hello = 0, upload = 0, stream = 0, error = 0, notfound = 0, bad = 0}
   local first = ""
   for _, thread in ipairs(threads) do
      local g = thread:get("good")
      for k, v in pairs(g) do total[k] = total[k] + v end
      total.bad = total.bad + thread:get("bad")
      if first == "" then first = thread:get("first_bad") end
   end
   local e = summary.errors
   io.write(string.format(
      'SOAK {"requests": %d, "hello": %d, "upload": %d, "stream": %d, "error": %d, "notfound": %d, ' ..
      '"bad": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
      '"seconds": %.2f, "p50_us": %d, "p99_us": %d, "first_bad": "%s"}\n',
      summary.requests, total.hello, total.upload, total.stream, total.error, total.notfound,
      total.bad, e.connect, e.read, e.write, e.status, e.timeout,
      summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
      string.gsub(first, '[%c"\\]', "?")))
end
