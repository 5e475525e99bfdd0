-- The next attempts that are due, queued by the scheduler's leader, fenced as its fires are
-- (docs/architecture.md, "Runs"): each taken off the retries index and pushed on the queue in
-- the same call, so it is queued once whoever dies around it.
--
-- KEYS[1]  unicron:scheduler:lease   the lease: the caller must still hold it
-- KEYS[2]  unicron:retries           RQ id -> due ms (zset)
-- KEYS[3]  rq:queue:{queue}          the RQ queue (list)
-- KEYS[4]  rq:queues                 RQ's set of queues
-- ARGV[1]  the caller's lease value "<epoch>:<token>"
-- ARGV[2]  now, epoch ms
-- ARGV[3]  how many to queue at most
-- ARGV[4]  the key prefix of RQ job hashes (rq:job:)
-- ARGV[5]  now, as RQ writes enqueued_at
--
-- Returns {queued, the earliest due time left (ms, -1: none)}, or {-1, -1} when the caller no
-- longer holds the lease.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, -1} end
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
local queued = 0
for _, id in ipairs(due) do
    redis.call('ZREM', KEYS[2], id)
    local key = ARGV[4] .. id
    if redis.call('EXISTS', key) == 1 then  -- else deleted meanwhile (its job was)
        redis.call('HSET', key, 'enqueued_at', ARGV[5])
        redis.call('RPUSH', KEYS[3], id)
        queued = queued + 1
    end
end
if queued > 0 then redis.call('SADD', KEYS[4], KEYS[3]) end
local earliest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return {queued, tonumber(earliest[2] or -1)}
