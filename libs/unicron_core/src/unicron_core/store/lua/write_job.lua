-- A job created, or its definition replaced (PUT, PATCH, restore, apply): the hash, the job list,
-- the indexes (tags, owner, name), the due index and a wake-up for the scheduler, in one step.
--
-- KEYS[1]  unicron:job:{id}       the job (hash)
-- KEYS[2]  unicron:jobs           job id -> created ms (zset)
-- KEYS[3]  unicron:due            job id -> next fire ms (zset)
-- KEYS[4]  unicron:versions:{id}  earlier versions: version -> ciphertext (hash)
-- KEYS[5]  unicron:names          <name token><job id> (zset, score 0)
-- KEYS[6]  unicron:audit          the audit log (stream)
-- KEYS[7]  unicron:jobs:changes  the jobs whose views moved (stream: job id -> '')
-- then ARGV[8] index zsets to leave (tags, owner no longer on the job), then ARGV[9] to join
-- ARGV[1]  'create' or 'update'
-- ARGV[2]  the version the caller read (update; compare-and-set), '0' on create
-- ARGV[3]  the cluster's most jobs (UNICRON_MAX_JOBS; create)
-- ARGV[4]  the wake channel
-- ARGV[5]  the job id
-- ARGV[6]  the job's created ms (the score of its index entries)
-- ARGV[7]  the next fire, epoch ms (-1: it never fires)
-- ARGV[8]  how many index zsets to leave
-- ARGV[9]  how many index zsets to join
-- ARGV[10] the names entry to leave ('' none)
-- ARGV[11] the names entry to join ('' none)
-- ARGV[12] the replaced version, ciphertext, kept under its number ARGV[2] ('' on create)
-- ARGV[13] the earlier version that falls out of those kept ('0': none)
-- ARGV[14] the audit entry, ciphertext ('' none: a bulk import records one entry of its own)
-- ARGV[15] the audit log's most entries (MAXLEN ~)
-- ARGV[16] the oldest audit entry id kept (MINID ~)
-- ARGV[17..] the job hash's fields to set: field, value, ...
--
-- A paused job's definition changes but it stays off the due index: resuming puts it back.
-- Returns 1 written; 0 the cluster is full (create) or the version moved on (update, read again);
-- -1 the job is gone (update).
local job_key, id = KEYS[1], ARGV[5]
if ARGV[1] == 'create' then
    if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 0 end
else
    if redis.call('EXISTS', job_key) == 0 then return -1 end
    local version = redis.call('HGET', job_key, 'version') or '1'  -- jobs made before versions
    if version ~= ARGV[2] then return 0 end
end
local leave, join = tonumber(ARGV[8]), tonumber(ARGV[9])
for i = 8, 7 + leave do redis.call('ZREM', KEYS[i], id) end
for i = 8 + leave, 7 + leave + join do redis.call('ZADD', KEYS[i], ARGV[6], id) end
if ARGV[10] ~= '' then redis.call('ZREM', KEYS[5], ARGV[10]) end
if ARGV[11] ~= '' then redis.call('ZADD', KEYS[5], 0, ARGV[11]) end
if ARGV[12] ~= '' then
    redis.call('HSET', KEYS[4], ARGV[2], ARGV[12])
    if ARGV[13] ~= '0' then redis.call('HDEL', KEYS[4], ARGV[13]) end
end
redis.call('HSET', job_key, unpack(ARGV, 17))
redis.call('HINCRBY', job_key, 'rev', 1)  -- what a job's view shows changed (JobJson's cache)
redis.call('XADD', KEYS[7], 'MAXLEN', '~', $VIEW_CHANGES_KEPT, '*', id, '')
if ARGV[14] ~= '' then
    redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[15], '*', 'e', ARGV[14])
    redis.call('XTRIM', KEYS[6], 'MINID', '~', ARGV[16])
end
redis.call('ZADD', KEYS[2], ARGV[6], id)
if redis.call('HEXISTS', job_key, 'pause') == 0 then
    if ARGV[7] == '-1' then
        redis.call('ZREM', KEYS[3], id)
    else
        redis.call('ZADD', KEYS[3], ARGV[7], id)
    end
end
redis.call('PUBLISH', ARGV[4], id)
return 1
