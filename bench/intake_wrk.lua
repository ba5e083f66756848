-- wrk script for bench/intake.py's closed loop: every request is `POST /api/cases` with the
-- clerk's bearer token and an Idempotency-Key of its own, so each one creates a case.
--
--   wrk -t 2 -c 8 -d 10s --latency -s bench/intake_wrk.lua http://127.0.0.1:PORT -- TOKEN BODY_FILE RUN_ID
--
-- At the end it prints one line `intake-statuses created=N other=M` summed over the threads
-- (wrk itself only counts statuses of 400 and above as errors).

local threads = {}
local next_thread = 0

function setup(thread)
   thread:set("thread_no", next_thread)
   next_thread = next_thread + 1
   table.insert(threads, thread)
end

function init(args)
   local token, body_file, run_id = args[1], args[2], args[3]
   local file = assert(io.open(body_file, "rb"))
   body = file:read("*a")
   file:close()
   headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
   }
   key_prefix = string.format("wrk-%s-%d-", run_id, thread_no)
   sent = 0
   created = 0
   other = 0
end

function request()
   sent = sent + 1
   headers["Idempotency-Key"] = key_prefix .. sent
   return wrk.format("POST", "/api/cases", headers, body)
end

function response(status, response_headers, response_body)
   if status == 201 then
      created = created + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local created_total, other_total = 0, 0
   for _, thread in ipairs(threads) do
      created_total = created_total + thread:get("created")
      other_total = other_total + thread:get("other")
   end
   io.write(string.format("intake-statuses created=%d other=%d\n", created_total, other_total))
end
