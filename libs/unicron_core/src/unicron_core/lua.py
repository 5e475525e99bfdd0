"""The Lua scripts that make multi-key writes atomic. Only ``store`` and ``lease`` run them."""

from __future__ import annotations

# Acquire the lease if nobody holds it; the epoch counter goes up on every acquisition.
# KEYS: lease, epoch. ARGV: token, ttl_ms. Returns the new epoch, or minus the milliseconds the
# holder's lease has left (so a standby can wake exactly when it lapses).
LEASE_ACQUIRE = """
local left = redis.call('PTTL', KEYS[1])
if left ~= -2 then return -math.max(left, 1) end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], epoch .. ':' .. ARGV[1], 'PX', ARGV[2])
return epoch
"""

# Extend the lease only if the caller still holds it. KEYS: lease. ARGV: value, ttl_ms.
LEASE_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# Give the lease up only if the caller still holds it. KEYS: lease. ARGV: value.
LEASE_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Fenced, idempotent firing of a batch of due jobs.
# KEYS[1] lease, KEYS[2] due index, KEYS[3] rq:queues, KEYS[4] the RQ queue list; then per job its
# hash key, then per fire of that job its marker key and its RQ job key; last, the fire log.
# ARGV[1] lease value <epoch>:<token>, ARGV[2] the enqueue time (RQ's created_at and enqueued_at),
# ARGV[3] marker TTL ms, ARGV[4] the RQ queue key, ARGV[5] job count, ARGV[6] count of the RQ hash
# fields every fire shares, then those fields (field, value, ...); then per job: job id, expected due
# score, next fire ms (-1: none), missed count, fire count; then per fire: RQ job id, its RQ
# ``data``, ``description`` and ``timeout``; last ARGV: the fire log's length (0: off). (The shared
# fields go once per batch, not per fire, to keep the call small; the store packs the call before
# the fires are due, all but ARGV[1] and ARGV[2], which are packed when it runs.)
# Each enqueue is appended to the fire log stream (job, scheduled ms, epoch): an audit trail in
# enqueue order, with Redis's own clock in the entry id.
# The first RQ job hash of a batch is written field by field, the others are COPYs of it with their
# own data, description and timeout set: COPY duplicates a hash in about half the work of HSET
# building it from 36 arguments (Redis 6.2 or later).
# Numbers stay the strings they came as: a Lua number passed to redis.call is formatted with
# printf and a string compared as a number is parsed with strtod, ~10% of the script's work.
# Returns {1, codes...} with one code per fire (1 enqueued, 2 suppressed by the marker or RQ's unique
# id, 0 job gone or already moved on), or {0} when the caller no longer holds the lease.
FIRE = """
local PUSH_CHUNK = 1000
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
local k, a = 5, 7 + 2 * tonumber(ARGV[6])
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
        local rq_id = ARGV[a]
        local code = 0
        if live then
            code = 2
            local marked = redis.call('SET', marker, '1', 'NX', 'PX', ARGV[3])
            if marked and write_rq_job(rq_key, ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]) then
                queued[#queued + 1] = rq_id
                if log_max ~= '0' then
                    redis.call('XADD', KEYS[#KEYS], '*',
                        'job', job_id, 'ms', rq_id:sub(#job_id + 2), 'epoch', epoch)  -- <job_id>-<ms>
                end
                code = 1
            end
        end
        out[#out + 1] = code
        a = a + 4
    end
    if live then
        if nxt == '-1' then
            redis.call('ZREM', KEYS[2], job_id)
        else
            redis.call('ZADD', KEYS[2], nxt, job_id)
        end
        if missed ~= '0' then redis.call('HINCRBY', job_key, 'missed_count', missed) end
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
return out
"""

# Store (or overwrite) a run of a job, trim the job's history, count a new run on the job if the job
# still exists. KEYS: runs index zset, run data hash, job hash. ARGV: run id, ciphertext, start
# (epoch s), oldest start kept, runs kept, TTL s.
RECORD_RUN = """
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
"""

# Compare-and-set of one hash field (key rotation: never overwrite a record written meanwhile).
# KEYS: hash. ARGV: field, expected value, new value. Returns 1 when replaced.
REPLACE_FIELD = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
    return 1
end
return 0
"""

# Compare-and-set of a string, keeping its TTL. KEYS: key. ARGV: expected value, new value.
REPLACE_STRING = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
    return 1
end
return 0
"""

# One request of a key in a fixed rate-limit window. KEYS: the window's counter. ARGV: window s.
# Returns the count so far in this window.
RATE_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""

# A stored API key's lookup and its request count, in one round trip: an unknown key is not
# counted. KEYS: the key's hash, its counter of this window. ARGV: window s, 1 to count (0: the
# limit is off). Returns {} for an unknown key, else {name, scopes, count so far in this window}.
API_KEY_HIT = """
local key = redis.call('HMGET', KEYS[1], 'name', 'scopes')
if not key[1] then return {} end
local n = 0
if ARGV[2] == '1' then
    n = redis.call('INCR', KEYS[2])
    if n == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
end
return {key[1], key[2], n}
"""

# A new task, atomically: its record (spec, status, retention) and its RQ job, queued.
# KEYS: task, RQ job hash, RQ queue list, rq:queues. ARGV: spec blob, status, retention s, RQ job
# id, then the RQ job hash's own fields (field, value, ...). ``SHARED_FIELDS, `` is replaced by the
# fields every RQ job of ours shares, as Lua literals (``Store``): fewer arguments to pack a call.
CREATE_TASK = """
redis.call('HSET', KEYS[1], 'spec', ARGV[1], 'status', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], SHARED_FIELDS, unpack(ARGV, 5))
redis.call('RPUSH', KEYS[3], ARGV[4])
redis.call('SADD', KEYS[4], KEYS[3])
return 1
"""

# A new job, unless the cluster holds its maximum: its hash, the job set, its first fire on the due
# index, a wake-up for the scheduler. KEYS: job hash, job set, due index. ARGV: most jobs, wake
# channel, job id, first fire ms (-1: none), then the hash's fields. Returns 0 when full.
CREATE_JOB = """
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('SADD', KEYS[2], ARGV[3])
if ARGV[4] ~= '-1' then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3]) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
"""


def literal(value: object) -> str:
    """``str(value)`` as a Lua string literal: every byte a decimal escape, so any text is safe."""
    return '"' + "".join(f"\\{byte}" for byte in str(value).encode()) + '"'
