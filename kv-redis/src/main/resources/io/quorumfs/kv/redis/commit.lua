-- quorumfs commit: one atomic step. See docs/kv-redis.md for the design.
-- KEYS[1] revision counter, KEYS[2] lex index (zset), KEYS[3] change stream.
-- ARGV[1] data key prefix, ARGV[2] txn dedupe key, ARGV[3] stream MAXLEN (~),
-- ARGV[4] largest value carried in the stream, ARGV[5] #compares, ARGV[6] #ops,
-- ARGV[7] trim mode for MAXLEN ('~' approximate or '=' exact), ARGV[8] dedupe key lifetime (ms),
-- then per compare: key, expected 8-byte version ('' = absent),
-- then per op: type (P put, D delete, A add, M max), key, argument.
-- Replies: {1, rev8 .. result8 ...} applied (or applied before, by the same txn id);
--          {0, {i, ...}} compares i (0-based) failed, nothing written;
--          {3, i, n} op i is Add/Max on a value of n bytes (not a counter), nothing written.
local kp, txk = ARGV[1], ARGV[2]
local done = redis.call('GET', txk)
if done then
  return {1, done}
end
local maxw = tonumber(ARGV[4])
local nc, no = tonumber(ARGV[5]), tonumber(ARGV[6])
local i = 9
local failed = {}
local existed = {} -- key -> true/false where a compare or a read already told us
for c = 1, nc do
  local cur = redis.call('GETRANGE', kp .. ARGV[i], 0, 7)
  existed[ARGV[i]] = cur ~= ''
  if cur ~= ARGV[i + 1] then
    failed[#failed + 1] = c - 1
  end
  i = i + 2
end
if #failed > 0 then
  return {0, failed}
end

local byte, char, floor = string.byte, string.char, math.floor
local ZERO8 = char(0, 0, 0, 0, 0, 0, 0, 0)

local function be8(n)
  local b = {}
  for j = 8, 1, -1 do
    b[j] = n % 256
    n = floor(n / 256)
  end
  return char(b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8])
end

local function be4(n)
  return char(floor(n / 16777216) % 256, floor(n / 65536) % 256, floor(n / 256) % 256, n % 256)
end

-- 64-bit two's complement addition of two 8-byte big-endian strings, wrapping.
local function add64(x, y)
  local b, carry = {}, 0
  for j = 8, 1, -1 do
    local s = byte(x, j) + byte(y, j) + carry
    b[j] = s % 256
    carry = floor(s / 256)
  end
  return char(b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8])
end

-- signed x < y for 8-byte big-endian two's complement strings
local function less64(x, y)
  local a, b = (byte(x, 1) + 128) % 256, (byte(y, 1) + 128) % 256
  if a ~= b then
    return a < b
  end
  for j = 2, 8 do
    a, b = byte(x, j), byte(y, j)
    if a ~= b then
      return a < b
    end
  end
  return false
end

-- Pass 1: compute every key's final state without writing, so a bad op writes nothing.
local state, order, results = {}, {}, {}
for o = 1, no do
  local t, k, a = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  local cur = state[k]
  if cur == nil then
    order[#order + 1] = k
  end
  local r = ZERO8
  if t == 'P' then
    state[k] = a
  elseif t == 'D' then
    state[k] = false
  else
    local old = cur
    if old == nil then
      old = redis.call('GET', kp .. k)
      existed[k] = old ~= false
      if old then
        old = string.sub(old, 9)
      end
    end
    if old and #old ~= 8 then
      return {3, o - 1, #old}
    end
    if t == 'A' then
      r = add64(old or ZERO8, a)
    elseif old and not less64(old, a) then
      r = old
    else
      r = a
    end
    state[k] = r
  end
  results[o] = r
end

-- Pass 2: bump the revision, append the change record, then write. The stream append comes
-- before the data writes so that the only command that could fail on a tampered stream (XADD
-- with an id not above the stream's last one) fails before any key has changed.
local rev = redis.call('INCR', KEYS[1])
local ver = be8(rev)
local parts = {}
for _, k in ipairs(order) do
  local v = state[k]
  if not v then
    parts[#parts + 1] = 'D' .. be4(#k) .. k
  elseif #v > maxw then
    parts[#parts + 1] = 'O' .. be4(#k) .. k
  else
    parts[#parts + 1] = 'P' .. be4(#k) .. k .. be4(#v) .. v
  end
end
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[7], ARGV[3], string.format('%d-0', rev), 'c', table.concat(parts))
for _, k in ipairs(order) do
  local v = state[k]
  if v then
    if #v > 65536 then
      redis.call('SET', kp .. k, ver) -- then APPEND: no Lua-side copy of a large value
      redis.call('APPEND', kp .. k, v)
    else
      redis.call('SET', kp .. k, ver .. v)
    end
    if not existed[k] then -- unknown or absent: make sure the index has it
      redis.call('ZADD', KEYS[2], 0, k)
    end
  elseif redis.call('DEL', kp .. k) == 1 then
    redis.call('ZREM', KEYS[2], k)
  end
end
local reply = ver .. table.concat(results)
redis.call('SET', txk, reply, 'PX', ARGV[8])
return {1, reply}
