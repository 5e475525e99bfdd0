-- A job deleted with everything it has: its hash, versions, runs (here and in the run log), its
-- place in every index and on the due index; a wake-up for the scheduler.
--
-- KEYS[1]  unicron:job:{id}
-- KEYS[2]  unicron:jobs
-- KEYS[3]  unicron:due
-- KEYS[4]  unicron:versions:{id}
-- KEYS[5]  unicron:names
-- KEYS[6]  unicron:runs:{id}       its runs (zset)
-- KEYS[7]  unicron:rundata:{id}    its runs (hash)
-- KEYS[8]  unicron:runlog          every job's runs (zset)
-- KEYS[9]  unicron:paused
-- KEYS[10] unicron:failing
-- KEYS[11] unicron:resumes
-- KEYS[12] unicron:running
-- KEYS[13] unicron:inflight:{id}   its runs in progress
-- then ARGV[5] index zsets the job is in (tags, owner), then the run log's status zsets
-- ARGV[1]  the version the caller read (compare-and-set: the indexes are those of that version)
-- ARGV[2]  the job id
-- ARGV[3]  its names entry
-- ARGV[4]  the wake channel
-- ARGV[5]  how many index zsets follow the fixed keys
--
-- Returns 1 deleted; 0 the version moved on (read again); -1 no such job.
local job_key, id = KEYS[1], ARGV[2]
if redis.call('EXISTS', job_key) == 0 then return -1 end
local version = redis.call('HGET', job_key, 'version') or '1'  -- jobs made before versions
if version ~= ARGV[1] then return 0 end
local indexes = tonumber(ARGV[5])
for i = 14, 13 + indexes do redis.call('ZREM', KEYS[i], id) end
local run_ids = redis.call('ZRANGE', KEYS[6], 0, -1)
for i = 1, #run_ids, 1000 do  -- chunks: unpack's limit is about 8,000 values
    local chunk = {unpack(run_ids, i, math.min(i + 999, #run_ids))}
    redis.call('ZREM', KEYS[8], unpack(chunk))
    for k = 14 + indexes, #KEYS do redis.call('ZREM', KEYS[k], unpack(chunk)) end
end
redis.call('DEL', job_key, KEYS[4], KEYS[6], KEYS[7], KEYS[13])
for _, k in ipairs({2, 3, 9, 10, 11, 12}) do redis.call('ZREM', KEYS[k], id) end
redis.call('ZREM', KEYS[5], ARGV[3])
redis.call('PUBLISH', ARGV[4], id)
return 1
