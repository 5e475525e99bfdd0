-- A stored API key's lookup and its request count, in one round trip: an unknown key is not
-- counted.
--
-- KEYS[1]  unicron:apikey:{sha256}               the key's hash (name, scopes)
-- KEYS[2]  unicron:rate:sha256:{sha256}:{window}  its counter of this window
-- ARGV[1]  the window's length, s (the counter's TTL)
-- ARGV[2]  1 to count the request, 0 when the rate limit is off
--
-- Returns {} for an unknown key, else {name, scopes, count so far in this window (0 when off)}.
local key = redis.call('HMGET', KEYS[1], 'name', 'scopes')
if not key[1] then return {} end
local n = 0
if ARGV[2] == '1' then
    n = redis.call('INCR', KEYS[2])
    if n == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
end
return {key[1], key[2], n}
