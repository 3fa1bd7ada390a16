// The hot-cache Lua scripts (see hot_scripts.hpp for their KEYS and ARGV).
#include "tonearm/stream/hot_scripts.hpp"

namespace tonearm::stream::hot_scripts {

const store::redis_script play{R"lua(
local cur = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
if cur == 1 then
  for _, w in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(w) < tonumber(ARGV[1]) - 1 then redis.call('HDEL', KEYS[1], w) end
  end
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
local prev = tonumber(redis.call('HGET', KEYS[1], tostring(tonumber(ARGV[1]) - 1)) or '0')
local heat = cur + prev * tonumber(ARGV[2])
if redis.call('ZSCORE', KEYS[2], ARGV[4]) then
  redis.call('ZADD', KEYS[2], 'XX', heat, ARGV[4])
  return {tostring(heat), 1, 0}
end
local admit = 0
if heat >= tonumber(ARGV[5]) then
  if tonumber(redis.call('GET', KEYS[3]) or '0') < tonumber(ARGV[6]) then
    admit = 1
  else
    local coldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    if #coldest == 0 or tonumber(coldest[2]) <= heat then admit = 1 end
  end
end
return {tostring(heat), 0, admit}
)lua"};

const store::redis_script drop{R"lua(
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
local size = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DECRBY', KEYS[3], size)
for i = 4, #KEYS do redis.call('DEL', KEYS[i]) end
return size
)lua"};

const store::redis_script commit{R"lua(
for i = 6, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return -1 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if redis.call('ZSCORE', KEYS[2], ARGV[3]) then return 0 end
local cur = tonumber(redis.call('HGET', KEYS[5], ARGV[4]) or '0')
local prev = tonumber(redis.call('HGET', KEYS[5], tostring(tonumber(ARGV[4]) - 1)) or '0')
redis.call('ZADD', KEYS[2], cur + prev * tonumber(ARGV[5]), ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('INCRBY', KEYS[4], ARGV[1])
return 1
)lua"};

const store::redis_script retally{R"lua(
local total = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(v) end
redis.call('SET', KEYS[2], total)
return total
)lua"};

const store::redis_script sweep{R"lua(
local left = 0
local ttl = tonumber(ARGV[4])
local k = 4
for i = 5, #ARGV, 2 do
  local song = ARGV[i]
  local meta, count = KEYS[k], KEYS[k + 1]
  local first = k + 2
  k = first + tonumber(ARGV[i + 1])
  if not redis.call('ZSCORE', KEYS[1], song) then
    -- dropped since the scan
  elseif redis.call('EXISTS', meta) == 0 then
    local size = tonumber(redis.call('HGET', KEYS[2], song) or '0')
    redis.call('ZREM', KEYS[1], song)
    redis.call('HDEL', KEYS[2], song)
    redis.call('DECRBY', KEYS[3], size)
    for c = first, k - 1 do redis.call('DEL', KEYS[c]) end
    left = left + 1
  else
    local cur = tonumber(redis.call('HGET', count, ARGV[1]) or '0')
    local prev = tonumber(redis.call('HGET', count, tostring(tonumber(ARGV[1]) - 1)) or '0')
    local heat = cur + prev * tonumber(ARGV[2])
    redis.call('ZADD', KEYS[1], heat, song)
    if heat >= tonumber(ARGV[3]) and 2 * redis.call('TTL', meta) < ttl then
      for c = first, k - 1 do redis.call('EXPIRE', KEYS[c], ttl) end
      redis.call('EXPIRE', meta, ttl)
    end
  end
end
return left
)lua"};

}  // namespace tonearm::stream::hot_scripts
