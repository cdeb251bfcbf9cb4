-- POSTs to the add-to-cart URL, one product id after another from the file in BENCH_PRODUCT_IDS;
-- the Cookie and X-CSRFToken headers come from wrk's -H options. Prints wrk's summary as JSON
-- (bench/wrk_report.lua) plus how many responses were not 200.
dofile(os.getenv("BENCH_REPORT_LUA"))

local ids = {}
for line in io.lines(os.getenv("BENCH_PRODUCT_IDS")) do
  ids[#ids + 1] = line
end
local counter = 0
not_ok = 0

request = function()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  return wrk.format("POST", nil, nil, "product_id=" .. id .. "&quantity=1")
end

response = function(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
    if not_ok <= 3 then
      io.stderr:write("status " .. status .. "\n")
    end
  end
end

local threads = {}
setup = function(thread)
  threads[#threads + 1] = thread
end

local report_done = done
done = function(summary, latency, requests)
  report_done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("not_ok") or 0)
  end
  io.write(string.format('BENCH_NOT_OK %d\n', total))
end
