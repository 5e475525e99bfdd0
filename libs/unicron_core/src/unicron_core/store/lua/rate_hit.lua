-- Counts one request of a key in a fixed rate-limit window (keys from the environment, which have
-- no stored hash to look up).
--
-- KEYS[1]  unicron:rate:{who}:{window}  the window's counter
-- ARGV[1]  the window's length, s (the counter's TTL)
--
-- Returns the count so far in this window, this request included.
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
