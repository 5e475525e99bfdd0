-- Extends the lease only if the caller still holds it, and marks the node seen.
--
-- KEYS[1]  unicron:scheduler:lease
-- KEYS[2]  unicron:schedulers       "<node> <token>" -> last seen (epoch ms)
-- ARGV[1]  the caller's lease value "<epoch>:<token>"
-- ARGV[2]  the TTL, ms
-- ARGV[3]  the caller's name and token, "<node> <token>"
--
-- Returns 1 when extended, 0 when the caller no longer holds the lease.
if redis.call('GET', KEYS[1]) == ARGV[1] then
    local now = redis.call('TIME')
    redis.call('ZADD', KEYS[2], now[1] * 1000 + math.floor(now[2] / 1000), ARGV[3])
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
