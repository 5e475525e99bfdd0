-- Fenced, idempotent firing of a batch of due jobs (docs/architecture.md, "Firing").
--
-- KEYS[1]  unicron:scheduler:lease   the lease: the caller must still hold it
-- KEYS[2]  unicron:due               job id -> next fire ms (zset)
-- KEYS[3]  rq:queues                 RQ's set of queues
-- KEYS[4]  rq:queue:{queue}          the RQ queue (list)
-- KEYS[5]  unicron:jobs:changes      the jobs whose views moved (stream: job id -> '')
--   then per job:  unicron:job:{id}
--     then per fire of that job:  unicron:fired:{id}:{ms} (the fire marker), rq:job:{id}-{ms}
-- KEYS[#KEYS]  unicron:firelog       the fire log (stream)
--
-- ARGV[1]  the caller's lease value "<epoch>:<token>"
-- ARGV[2]  the enqueue time (RQ's created_at and enqueued_at)
-- ARGV[3]  the fire markers' TTL, ms
-- ARGV[4]  the RQ queue key (added to rq:queues)
-- ARGV[5]  job count
-- ARGV[6]  count of the RQ hash fields every fire shares, then those fields (field, value, ...)
--   then per job:  job id, expected due ms, next fire ms (-1: none), missed count, fire count
--     then per fire:  RQ job id, scheduled ms, RQ's data, description and timeout
-- ARGV[#ARGV]  the fire log's length (0: off)
--
-- The store packs the call before the fires are due, all but ARGV[1] and ARGV[2], which are
-- packed when it runs; the shared fields go once per batch, not per fire, to keep the call small.
--
-- Returns {1, code...} with one code per fire (unicron_core.store.scripts.FireCode: 1 enqueued,
-- 2 suppressed by the marker or RQ's unique id, 0 the job is gone or already moved on), or {0}
-- when the caller no longer holds the lease.
--
-- Each enqueue is appended to the fire log (job, scheduled ms, epoch): an audit trail in enqueue
-- order, with Redis's own clock in the entry id. The first RQ job hash of a batch is written field
-- by field, the others are COPYs of it with their own data, description and timeout: COPY
-- duplicates a hash in about half the work of HSET building it from 36 arguments (Redis 6.2+).
-- Numbers stay the strings they came as: a Lua number passed to redis.call is formatted with
-- printf and a string compared as a number is parsed with strtod, ~10% of the script's work.
local PUSH_CHUNK = 1000
local ENQUEUED, SUPPRESSED, GONE = 1, 2, 0
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local out = {1}
local epoch = ARGV[1]:match('^(%d+):')
local log_max = ARGV[#ARGV]
local fields = {}
for i = 7, 6 + 2 * tonumber(ARGV[6]) do fields[#fields + 1] = ARGV[i] end
for _, name in ipairs({'created_at', 'enqueued_at'}) do
    fields[#fields + 1] = name
    fields[#fields + 1] = ARGV[2]
end
local n = #fields
fields[n + 1], fields[n + 3], fields[n + 5] = 'data', 'description', 'timeout'
local k, a = 6, 7 + 2 * tonumber(ARGV[6])
local first = false  -- the batch's first RQ job hash, copied for the others
-- Writes an RQ job hash unless the key exists (RQ's unique id, the second guard); false if it does.
local function write_rq_job(rq_key, data, description, timeout)
    if first then
        if redis.call('COPY', first, rq_key) == 0 then return false end  -- COPY refuses an existing key
        redis.call('HSET', rq_key, 'data', data, 'description', description, 'timeout', timeout)
    else
        if redis.call('EXISTS', rq_key) == 1 then return false end
        fields[n + 2], fields[n + 4], fields[n + 6] = data, description, timeout
        redis.call('HSET', rq_key, unpack(fields))
        first = rq_key
    end
    return true
end
local queued = {}  -- pushed after the loop: one RPUSH per PUSH_CHUNK ids, not one per fire
local moved = {}  -- the jobs whose next fire moved: their views changed, one stream entry a batch
for _ = 1, tonumber(ARGV[5]) do
    local job_key = KEYS[k]; k = k + 1
    local job_id, expected, nxt, missed = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
    local nfires = tonumber(ARGV[a + 4])
    a = a + 5
    local current = redis.call('ZSCORE', KEYS[2], job_id)
    local live = current == expected or (current and tonumber(current) == tonumber(expected))
    if live and redis.call('EXISTS', job_key) == 0 then
        redis.call('ZREM', KEYS[2], job_id)  -- a due entry left behind by a deleted job
        live = false
    end
    for _ = 1, nfires do
        local marker, rq_key = KEYS[k], KEYS[k + 1]; k = k + 2
        local rq_id, ms = ARGV[a], ARGV[a + 1]
        local code = GONE
        if live then
            code = SUPPRESSED
            local marked = redis.call('SET', marker, '1', 'NX', 'PX', ARGV[3])
            if marked and write_rq_job(rq_key, ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]) then
                queued[#queued + 1] = rq_id
                if log_max ~= '0' then
                    redis.call('XADD', KEYS[#KEYS], '*', 'job', job_id, 'ms', ms, 'epoch', epoch)
                end
                code = ENQUEUED
            end
        end
        out[#out + 1] = code
        a = a + 5
    end
    if live then
        if nxt == '-1' then
            redis.call('ZREM', KEYS[2], job_id)
        else
            redis.call('ZADD', KEYS[2], nxt, job_id)
        end
        if missed ~= '0' then redis.call('HINCRBY', job_key, 'missed_count', missed) end
        moved[#moved + 1] = job_id
    end
end
for i = 1, #queued, PUSH_CHUNK do  -- chunks: unpack's limit is about 8,000 values
    redis.call('RPUSH', KEYS[4], unpack(queued, i, math.min(i + PUSH_CHUNK - 1, #queued)))
end
if #queued > 0 then
    redis.call('SADD', KEYS[3], ARGV[4])
    -- Trimmed once per batch rather than by each XADD: the same approximate cap, less work.
    if log_max ~= '0' then redis.call('XTRIM', KEYS[#KEYS], 'MAXLEN', '~', log_max) end
end
if #moved > 0 then
    for i = 1, #moved, PUSH_CHUNK do
        local entry = {}
        for j = i, math.min(i + PUSH_CHUNK - 1, #moved) do
            entry[#entry + 1], entry[#entry + 2] = moved[j], ''
        end
        redis.call('XADD', KEYS[5], 'MAXLEN', '~', $VIEW_CHANGES_KEPT, '*', unpack(entry))
    end
end
return out
