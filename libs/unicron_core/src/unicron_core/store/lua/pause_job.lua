-- A job paused (or its pause changed): off the due index, on the paused index, and on the resumes
-- index when it has an end; a wake-up for the scheduler.
--
-- KEYS[1]  unicron:job:{id}
-- KEYS[2]  unicron:due
-- KEYS[3]  unicron:paused     job id -> created ms (zset)
-- KEYS[4]  unicron:resumes    job id -> when the pause ends, ms (zset)
-- KEYS[5]  unicron:jobs:changes  the jobs whose views moved (stream: job id -> '')
-- ARGV[1]  the job id
-- ARGV[2]  the pause, ciphertext
-- ARGV[3]  the job's created ms
-- ARGV[4]  when the pause ends, epoch ms (-1: when resumed)
-- ARGV[5]  the wake channel
--
-- Returns 1 paused; -1 no such job.
local id = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'pause', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('ZREM', KEYS[2], id)
redis.call('ZADD', KEYS[3], ARGV[3], id)
if ARGV[4] == '-1' then
    redis.call('ZREM', KEYS[4], id)
else
    redis.call('ZADD', KEYS[4], ARGV[4], id)
end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', $VIEW_CHANGES_KEPT, '*', id, '')  -- its view moved
redis.call('PUBLISH', ARGV[5], id)
return 1
