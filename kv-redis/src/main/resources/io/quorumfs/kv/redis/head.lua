-- quorumfs watch head: the current revision and the first revision still in the stream.
-- KEYS[1] revision counter, KEYS[2] change stream. Reply: {revision, first stream id or ''}
local r = redis.call('GET', KEYS[1]) or '0'
local f = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
local first = ''
if #f > 0 then
  first = f[1][1]
end
return {r, first}
