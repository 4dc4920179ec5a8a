-- wrk script of `make bench`: replays the requests of one endpoint, written by bench/wrk.py.
--
-- WRK_REQUESTS names a file of one request a line: method, path, headers and body separated by
-- tabs, headers by \031 ("Name: value"), the body compact JSON (or empty). Each of the WRK_THREADS
-- threads takes every WRK_THREADS-th line from its own offset and cycles through them, so no two
-- threads send the same upload body. done() prints one JSON line that bench/wrk.py reads.

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  requests = {}
  local stride = tonumber(os.getenv("WRK_THREADS"))
  local number = 0
  for line in io.lines(os.getenv("WRK_REQUESTS")) do
    if number % stride == id then
      local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local fields = {}
      for name, value in headers:gmatch("([^\031:]+): ([^\031]*)") do
        fields[name] = value
      end
      if body == "" then body = nil end
      requests[#requests + 1] = wrk.format(method, path, fields, body)
    end
    number = number + 1
  end
  next_request = 0
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
