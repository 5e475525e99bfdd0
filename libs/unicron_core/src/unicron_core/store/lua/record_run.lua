-- Stores (or overwrites) a run of a job, trims the job's history to the retention window and to
-- its most runs, and counts a new run on the job if the job still exists.
--
-- KEYS[1]  unicron:runs:{job_id}     run id -> start (zset)
-- KEYS[2]  unicron:rundata:{job_id}  run id -> ciphertext (hash)
-- KEYS[3]  unicron:job:{job_id}      the job (hash): run_count, last_run
-- ARGV[1]  run id
-- ARGV[2]  the run, ciphertext
-- ARGV[3]  the run's start, epoch s
-- ARGV[4]  the oldest start kept, epoch s
-- ARGV[5]  runs kept per job
-- ARGV[6]  TTL of both run keys, s
--
-- Returns 1 for a new run, 0 when it overwrote one (notification outcomes added).
local new = redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local over = redis.call('ZRANGE', KEYS[1], 0, -1 - tonumber(ARGV[5]))
for _, ids in ipairs({old, over}) do
    for _, id in ipairs(ids) do
        redis.call('ZREM', KEYS[1], id)
        redis.call('HDEL', KEYS[2], id)
    end
end
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
if new == 1 and redis.call('EXISTS', KEYS[3]) == 1 then
    redis.call('HINCRBY', KEYS[3], 'run_count', 1)
    redis.call('HSET', KEYS[3], 'last_run', ARGV[3])
end
return new
