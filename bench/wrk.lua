-- wrk script for bench/run.sh. wrk alone counts only socket errors and
-- statuses >= 400; here every response outside 2xx counts (a 303 to the
-- sign-in page is a failure too), and `done` prints one line the runner
-- parses: RESULT requests rps p50_ms p99_ms socket_errors non_2xx
--
-- Arguments after `--`: `get` (the URL as given), `post CSRF_TOKEN` (POST
-- the create-key form to the URL, as htmx does, with a fresh name each time)
-- or `body CONTENT_TYPE BODY` (POST the same body every time: the Key API
-- scenarios, with their Authorization from -H).

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local mode = "get"
local csrf = ""
local content_type = ""
local fixed_body = ""
local sent = 0
bad = 0

-- Called by wrk.init, which then builds the default request.
function init(args)
  mode = args[1] or "get"
  csrf = args[2] or ""
  content_type = args[2] or ""
  fixed_body = args[3] or ""
end

function request()
  if mode == "body" then
    local headers = {}
    for k, v in pairs(wrk.headers) do
      headers[k] = v
    end
    headers["Content-Type"] = content_type
    return wrk.format("POST", nil, headers, fixed_body)
  end
  if mode ~= "post" then
    return wrk.request()
  end
  sent = sent + 1
  local body = "name=Bench+key+" .. tid .. "-" .. sent
    .. "&channel=1&role_definition=product-data&role_level=viewer&active=on"
  -- wrk.format takes our headers instead of the -H ones: copy those in.
  local headers = {}
  for k, v in pairs(wrk.headers) do
    headers[k] = v
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["X-CSRF-Token"] = csrf
  headers["HX-Request"] = "true"
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local non2xx = 0
  for _, t in ipairs(threads) do
    non2xx = non2xx + (t:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.3f %.3f %d %d\n",
    summary.requests,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout,
    non2xx))
end
