-- quorumfs scan page: one consistent read of the lex index and the values.
-- KEYS[1] lex index. ARGV[1] data key prefix, ARGV[2] min, ARGV[3] max (ZRANGEBYLEX syntax),
-- ARGV[4] page limit, ARGV[5] soft byte budget for values.
-- Reply: {more, {key, versioned value, ...}}
local kp = ARGV[1]
local limit, budget = tonumber(ARGV[4]), tonumber(ARGV[5])
local ks = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], ARGV[3], 'LIMIT', 0, limit + 1)
local out, bytes, more = {}, 0, 0
for j, k in ipairs(ks) do
  if j > limit or (bytes >= budget and #out > 0) then
    more = 1
    break
  end
  local v = redis.call('GET', kp .. k)
  if v then
    out[#out + 1] = k
    out[#out + 1] = v
    bytes = bytes + #v
  end
end
return {more, out}
