-- Compare-and-set of a string, keeping its TTL (key rotation of the canary).
--
-- KEYS[1]  the string
-- ARGV[1]  the value it must still hold
-- ARGV[2]  the new value
--
-- Returns 1 when replaced, 0 when it changed meanwhile.
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
    return 1
end
return 0
