-- Extends the lease only if the caller still holds it.
--
-- KEYS[1]  unicron:scheduler:lease
-- ARGV[1]  the caller's lease value "<epoch>:<token>"
-- ARGV[2]  the TTL, ms
--
-- Returns 1 when extended, 0 when the caller no longer holds the lease.
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
