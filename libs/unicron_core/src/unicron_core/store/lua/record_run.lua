-- A run of a job stored (or stored again, to add its notifications' outcomes): in the job's runs
-- and the run log, trimmed to the retention window and the job's most runs; counted on the job,
-- and the job's failing state kept, when it is a run that ran.
--
-- KEYS[1]  unicron:runs:{job_id}     run id -> start, epoch s (zset)
-- KEYS[2]  unicron:rundata:{job_id}  run id -> the run, ciphertext (hash)
-- KEYS[3]  unicron:job:{job_id}      the job (hash): run_count, last_run, last_status
-- KEYS[4]  unicron:runlog            every job's runs: run id -> start ms (zset)
-- KEYS[5]  unicron:failing           job id -> created ms (zset)
-- KEYS[6]  unicron:jobs:changes  the jobs whose views moved (stream: job id -> '')
-- then the run log's status zsets (failure, skipped, aborted, missed, ...)
-- ARGV[1]  run id
-- ARGV[2]  the run, ciphertext
-- ARGV[3]  the run's start, epoch s
-- ARGV[4]  the oldest start kept, epoch s
-- ARGV[5]  runs kept per job
-- ARGV[6]  TTL of the job's run keys, s
-- ARGV[7]  the run's start, epoch ms
-- ARGV[8]  its status
-- ARGV[9]  the job id
-- ARGV[10] '1' when it ran (counted, and its outcome is the job's state), '0' (skipped, missed)
-- ARGV[11] the status zset this run belongs in ('' for a success)
--
-- Returns 1 for a new run, 0 when it overwrote one.
local new = redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[1])
for k = 7, #KEYS do
    if KEYS[k] == ARGV[11] then
        redis.call('ZADD', KEYS[k], ARGV[7], ARGV[1])
    else
        redis.call('ZREM', KEYS[k], ARGV[1])  -- stored again with another status
    end
end
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local over = redis.call('ZRANGE', KEYS[1], 0, -1 - tonumber(ARGV[5]))
for _, ids in ipairs({old, over}) do
    for _, id in ipairs(ids) do
        redis.call('ZREM', KEYS[1], id)
        redis.call('HDEL', KEYS[2], id)
        redis.call('ZREM', KEYS[4], id)
        for k = 7, #KEYS do redis.call('ZREM', KEYS[k], id) end
    end
end
local oldest_ms = '(' .. math.floor(tonumber(ARGV[4]) * 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', oldest_ms)
for k = 7, #KEYS do redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', oldest_ms) end
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
if ARGV[10] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then
    if new == 1 then
        redis.call('HINCRBY', KEYS[3], 'run_count', 1)
        redis.call('HSET', KEYS[3], 'last_run', ARGV[3])
    end
    redis.call('HSET', KEYS[3], 'last_status', ARGV[8])
    if ARGV[8] == 'success' then
        redis.call('ZREM', KEYS[5], ARGV[9])
    else
        local created = redis.call('HGET', KEYS[3], 'created')
        redis.call('ZADD', KEYS[5], math.floor(tonumber(created) * 1000), ARGV[9])
    end
    redis.call('XADD', KEYS[6], 'MAXLEN', '~', $VIEW_CHANGES_KEPT, '*', ARGV[9], '')  -- its view moved
end
return new
