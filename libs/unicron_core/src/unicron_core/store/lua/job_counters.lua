-- What changes often in many jobs' views, one short text a job (GET /api/job/ reads every job):
-- "<rev>,<run_count>,<missed_count>,<last_run>,<next fire ms>", each empty where absent; false
-- for a job that is gone.
--
-- KEYS[1]  unicron:due
-- KEYS[2..] the jobs' hashes (unicron:job:{id})
-- ARGV     the jobs' ids, in the order of their hashes
local out = {}
for j = 2, #KEYS do
    local v = redis.call('HMGET', KEYS[j], 'created', 'rev', 'run_count', 'missed_count', 'last_run')
    if v[1] then
        local due = redis.call('ZSCORE', KEYS[1], ARGV[j - 1])
        out[j - 1] = (v[2] or '') .. ',' .. (v[3] or '') .. ',' .. (v[4] or '') .. ',' .. (v[5] or '') .. ','
            .. (due or '')
    else
        out[j - 1] = false
    end
end
return out
