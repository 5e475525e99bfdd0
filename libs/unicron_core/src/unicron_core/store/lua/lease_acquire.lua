-- Takes the scheduler's lease if nobody holds it; the epoch counter goes up on every acquisition.
--
-- KEYS[1]  unicron:scheduler:lease  the lease (string, TTL)
-- KEYS[2]  unicron:scheduler:epoch  the fencing counter
-- ARGV[1]  this node's random token
-- ARGV[2]  the lease's TTL, ms
--
-- Returns the new epoch (the lease then holds "<epoch>:<token>"), or minus the milliseconds the
-- holder's lease has left, at least 1, so a standby can wake exactly when it lapses.
local left = redis.call('PTTL', KEYS[1])
if left ~= -2 then return -math.max(left, 1) end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], epoch .. ':' .. ARGV[1], 'PX', ARGV[2])
return epoch
