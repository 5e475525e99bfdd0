-- Gives the lease up only if the caller still holds it (a rolling update hands over at once).
--
-- KEYS[1]  unicron:scheduler:lease
-- ARGV[1]  the caller's lease value "<epoch>:<token>"
--
-- Returns 1 when released, 0 when the caller no longer held it.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
