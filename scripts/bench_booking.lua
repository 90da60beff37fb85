-- wrk script of scripts/bench.py's booking creation (scripts/bench_booking.py writes its requests).
--   wrk -t1 -c16 -d10s --latency -s scripts/bench_booking.lua http://host:port -- REQUESTS ORIGIN [THREADS]
-- REQUESTS: one request a line, "path<TAB>Cookie header<TAB>form body", each a slot of its own,
-- sent once, in order. With THREADS threads (-t), thread i takes lines i, i + THREADS, ...
-- A success answers 303; every answer is counted by status, and the first other answer's page kept.
-- When the lines run out the thread stops (and the requests it must still send ask for /healthz,
-- counted apart as "unsent").

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests, statuses, sent, unsent, failure = {}, {}, 0, 0, ""
  local share, count = index, tonumber(args[3] or "1")
  local headers = {Origin = args[2], ["Content-Type"] = "application/x-www-form-urlencoded"}
  local number = 0
  for line in io.lines(args[1]) do
    if number % count == share then
      local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      headers["Cookie"] = cookie
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
    end
    number = number + 1
  end
  verified = index ~= 0  -- see request()
end

function request()
  -- wrk calls the first thread's request() once before the run to learn its shape (the pipelining
  -- check), and throws that request away: give it a /healthz, not a slot.
  if not verified then
    verified = true
    return wrk.format("GET", "/healthz")
  end
  if sent >= #requests then
    unsent = unsent + 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  return requests[sent]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= 303 and failure == "" then
    failure = body
  end
end

local function quoted(text)
  return '"' .. text:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
  local counts, total_sent, total_unsent, first_failure = {}, 0, 0, ""
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
    total_sent = total_sent + thread:get("sent")
    total_unsent = total_unsent + thread:get("unsent")
    if first_failure == "" then first_failure = thread:get("failure") end
  end
  local by_status = {}
  for status, count in pairs(counts) do
    by_status[#by_status + 1] = string.format('"%d": %d', status, count)
  end
  io.write(string.format('JSON {"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "errors": %d, '
    .. '"statuses": {%s}, "sent": %d, "unsent": %d, "failure": %s}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, errors,
    table.concat(by_status, ", "), total_sent, total_unsent, quoted(first_failure:sub(1, 20000))))
end
