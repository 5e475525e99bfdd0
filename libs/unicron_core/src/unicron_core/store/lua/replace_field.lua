-- Compare-and-set of one hash field: key rotation never overwrites a record written meanwhile.
--
-- KEYS[1]  the hash
-- ARGV[1]  the field
-- ARGV[2]  the value it must still hold
-- ARGV[3]  the new value
--
-- Returns 1 when replaced, 0 when the field changed meanwhile.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
    return 1
end
return 0
