-- Takes the scheduler's lease if nobody holds it; the epoch counter goes up on every acquisition.
-- Either way the node is marked seen (the dashboard lists the leader and its standbys).
--
-- KEYS[1]  unicron:scheduler:lease  the lease (string, TTL)
-- KEYS[2]  unicron:scheduler:epoch  the fencing counter
-- KEYS[3]  unicron:schedulers       "<node> <token>" -> last seen (epoch ms)
-- ARGV[1]  this node's random token
-- ARGV[2]  the lease's TTL, ms
-- ARGV[3]  this node's name and token, "<node> <token>"
--
-- Returns the new epoch (the lease then holds "<epoch>:<token>"), or minus the milliseconds the
-- holder's lease has left, at least 1, so a standby can wake exactly when it lapses.
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZADD', KEYS[3], now_ms, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now_ms - 60000)
local left = redis.call('PTTL', KEYS[1])
if left ~= -2 then return -math.max(left, 1) end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], epoch .. ':' .. ARGV[1], 'PX', ARGV[2])
return epoch
