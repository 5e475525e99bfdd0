-- The job list of a cluster made before version 2 of the layout, a set, made the zset that pages
-- read (job id -> created ms, from each job's hash). Idempotent: a zset is left as it is.
--
-- KEYS[1]  unicron:jobs
-- KEYS[2]  a scratch key for the new zset (renamed over KEYS[1])
-- ARGV[1]  the job hashes' key prefix (unicron:job:)
--
-- Returns the jobs moved (0 when there was nothing to do).
if redis.call('TYPE', KEYS[1]).ok ~= 'set' then return 0 end
local ids = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[2])
for _, id in ipairs(ids) do
    local created = redis.call('HGET', ARGV[1] .. id, 'created') or '0'
    redis.call('ZADD', KEYS[2], math.floor(tonumber(created) * 1000), id)
end
if #ids > 0 then
    redis.call('RENAME', KEYS[2], KEYS[1])
else
    redis.call('DEL', KEYS[1])
end
return #ids
