-- A run of a job stored, as it starts, as an attempt of it ends, or again (docs/architecture.md,
-- "Runs"): in the job's runs and the run log, trimmed to the retention window and the job's most
-- runs. Every phase is safe to repeat (redis-py sends a script again when its connection broke):
--   start  the run is in progress: on the job's in-flight set until a deadline its worker's
--          heartbeats move (the job is running while the set is not empty). While another run of
--          the job is live (its deadline later than ARGV[13]), the job's overlap rule decides: start
--          beside it, skip (nothing is written: the caller records the run skipped), or replace (start,
--          and the caller aborts the others)
--   end    an attempt ended: recorded once (the attempt's marker, SET NX), off the in-flight set;
--          a run that ran and is not tried again is counted on the job and is its state; one that
--          is tried again has its next attempt's RQ job written and put on the retries index,
--          which the scheduler's leader queues when due (enqueue_retries.lua)
--   store  stored again, to add its notifications' outcomes, or a run that did not run (the
--          skipped fires of a pause): not when a later attempt of it has started since
--
-- KEYS[1]  unicron:runs:{job_id}     run id -> start, epoch s (zset)
-- KEYS[2]  unicron:rundata:{job_id}  run id -> the run, ciphertext (hash)
-- KEYS[3]  unicron:job:{job_id}      the job (hash): run_count, last_run, last_status, running
-- KEYS[4]  unicron:runlog            every job's runs: run id -> start ms (zset)
-- KEYS[5]  unicron:failing           job id -> created ms (zset)
-- KEYS[6]  unicron:jobs:changes      the jobs whose views moved (stream: job id -> '')
-- KEYS[7]  unicron:inflight:{job_id} run id -> deadline ms: the job's runs in progress (zset)
-- KEYS[8]  unicron:running           job id -> created ms: jobs with a run in progress (zset)
-- KEYS[9]  unicron:ended:{run id}:{n}  end: this attempt's marker; store: the next attempt's
-- KEYS[10] unicron:retries           RQ id -> due ms (zset)
-- KEYS[11] rq:job:{next attempt's RQ id}  (end with a retry; any key otherwise)
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
-- ARGV[10] the phase: start, end or store
-- ARGV[11] the status zset this run belongs in ('' for a success)
-- then, for start:
-- ARGV[12] what to do while another run is live (start, skip, replace)
-- ARGV[13] live after, epoch ms: now, less a grace (an outage can pass the deadlines of live runs)
-- ARGV[14] the run's deadline on the in-flight set, epoch ms
-- or, for end:
-- ARGV[12] '1' when the run is over and ran (counted; its outcome is the job's state)
-- ARGV[13] the marker's TTL, s
-- ARGV[14] who ends it (the same caller sending it again is answered as the first time)
-- ARGV[15] failures in a row before the job turns failing (alert_after)
-- ARGV[16] the next attempt's due time, epoch ms ('' when there is none)
-- ARGV[17] the next attempt's RQ id
-- ARGV[18..] its RQ hash's fields (field, value, ...)
--
-- The job's health, for alerts (unicron_core.policy.alert): `failures` in a row, `alerting` once
-- they reached alert_after (until a success), `missing` after a missed run (until a run starts).
--
-- Returns, for store: 1 stored; 0 not (a later attempt started). For end: {1, change, failures}
-- stored, or by the same caller before (answered as then), change the health's ('failing',
-- 'recovered', 'missed' or ''); {0} recorded by another caller before. For start: {1} started;
-- {2, run id...} skipped for these live runs; {3, run id...} started, these to be aborted.
local phase = ARGV[10]
local others = {}
if phase == 'start' and ARGV[12] ~= 'start' then
    for _, other in ipairs(redis.call('ZRANGEBYSCORE', KEYS[7], '(' .. ARGV[13], '+inf')) do
        if other ~= ARGV[1] then others[#others + 1] = other end
    end
    if #others > 0 and ARGV[12] == 'skip' then return {2, unpack(others)} end
end
if phase == 'end' then
    if not redis.call('SET', KEYS[9], ARGV[14], 'NX', 'EX', ARGV[13]) then
        local ender, change, failures = string.match(redis.call('GET', KEYS[9]) or '', '^(.*)|(.*)|(.*)$')
        if ender ~= ARGV[14] then return {0} end
        return {1, change, tonumber(failures)}
    end
elseif phase == 'store' then
    if redis.call('ZSCORE', KEYS[7], ARGV[1]) or redis.call('EXISTS', KEYS[9]) == 1 then return 0 end
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[1])
for k = 12, #KEYS do
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
        for k = 12, #KEYS do redis.call('ZREM', KEYS[k], id) end
    end
end
local oldest_ms = '(' .. math.floor(tonumber(ARGV[4]) * 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', oldest_ms)
for k = 12, #KEYS do redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', oldest_ms) end
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
local started = {#others > 0 and 3 or 1, unpack(others)}
local change, failures = '', 0
local function answer()
    if phase == 'start' then return started end
    if phase == 'store' then return 1 end
    redis.call('SET', KEYS[9], ARGV[14] .. '|' .. change .. '|' .. failures, 'KEEPTTL')
    return {1, change, failures}
end
if phase == 'store' or redis.call('EXISTS', KEYS[3]) == 0 then return answer() end
local job, id = KEYS[3], ARGV[9]
if phase == 'start' then
    redis.call('ZADD', KEYS[7], ARGV[14], ARGV[1])
    redis.call('HDEL', job, 'missing')
else
    redis.call('ZREM', KEYS[7], ARGV[1])
end
local running = redis.call('ZCARD', KEYS[7])
local created = math.floor(tonumber(redis.call('HGET', job, 'created') or '0') * 1000)
if running > 0 then
    redis.call('HSET', job, 'running', running)
    redis.call('ZADD', KEYS[8], created, id)
else
    redis.call('HDEL', job, 'running')
    redis.call('ZREM', KEYS[8], id)
end
if phase == 'end' and ARGV[12] == '1' then
    redis.call('HINCRBY', job, 'run_count', 1)
    redis.call('HSET', job, 'last_run', ARGV[3], 'last_status', ARGV[8])
    if ARGV[8] == 'success' then
        redis.call('ZREM', KEYS[5], id)
        if redis.call('HGET', job, 'alerting') then change = 'recovered' end
        redis.call('HDEL', job, 'failures', 'alerting')
    else
        redis.call('ZADD', KEYS[5], created, id)
    end
    if ARGV[8] == 'failure' then
        failures = redis.call('HINCRBY', job, 'failures', 1)
        if failures >= tonumber(ARGV[15]) and not redis.call('HGET', job, 'alerting') then
            redis.call('HSET', job, 'alerting', 1)
            change = 'failing'
        end
    end
end
if phase == 'end' and ARGV[8] == 'missed' and redis.call('HSETNX', job, 'missing', 1) == 1 then
    change = 'missed'
end
if phase == 'end' and ARGV[16] ~= '' then
    if redis.call('EXISTS', KEYS[11]) == 0 then redis.call('HSET', KEYS[11], unpack(ARGV, 18)) end
    redis.call('ZADD', KEYS[10], 'NX', ARGV[16], ARGV[17])
end
redis.call('XADD', KEYS[6], 'MAXLEN', '~', $VIEW_CHANGES_KEPT, '*', id, '')  -- its view moved
return answer()
