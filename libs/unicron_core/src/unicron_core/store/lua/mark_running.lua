-- A run of a job started (+1) or ended (-1): the job's count of runs in progress, and its place on
-- the running index while it has one.
--
-- KEYS[1]  unicron:job:{id}
-- KEYS[2]  unicron:running    job id -> created ms (zset)
-- KEYS[3]  unicron:jobs:changes  the jobs whose views moved (stream: job id -> '')
-- ARGV[1]  the job id
-- ARGV[2]  +1 or -1
--
-- Returns the runs in progress now; -1 when the job is gone (nothing is written for it).
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local running = redis.call('HINCRBY', KEYS[1], 'running', ARGV[2])
if running > 0 then
    local created = redis.call('HGET', KEYS[1], 'created') or '0'
    redis.call('ZADD', KEYS[2], math.floor(tonumber(created) * 1000), ARGV[1])
else
    redis.call('HDEL', KEYS[1], 'running')
    redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', $VIEW_CHANGES_KEPT, '*', ARGV[1], '')  -- its view moved
return running
