-- wrk script: GET a random 256 KiB range of a random file from a list.
-- The list (wrk ... -- LIST) has one "path size" per line. With BENCH_TOKEN
-- set, each request carries it as a bearer token.
local paths, sizes = {}, {}
local token = os.getenv("BENCH_TOKEN")
local span = 262144

function init(args)
  for line in io.lines(args[1]) do
    local path, size = line:match("^(%S+)%s+(%d+)$")
    if path then
      paths[#paths + 1] = path
      sizes[#sizes + 1] = tonumber(size)
    end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local i = math.random(#paths)
  local first = math.random(0, sizes[i] - span)
  local headers = { Range = "bytes=" .. first .. "-" .. (first + span - 1) }
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", paths[i], headers)
end
