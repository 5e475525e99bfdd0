-- What changes often in many jobs' views, one short text a job (GET /api/job/ reads every job):
-- "<rev>,<run_count>,<missed_count>,<last_run>,<last_status>,<running>,<next fire ms>", each empty
-- where absent; false
-- for a job that is gone.
--
-- KEYS[1]  unicron:due
-- KEYS[2..] the jobs' hashes (unicron:job:{id})
-- ARGV     the jobs' ids, in the order of their hashes
local out = {}
for j = 2, #KEYS do
    local v = redis.call(
        'HMGET', KEYS[j], 'created', 'rev', 'run_count', 'missed_count', 'last_run', 'last_status', 'running')
    if v[1] then
        local text = {}
        for i = 2, #v do text[i - 1] = v[i] or '' end
        text[#v] = redis.call('ZSCORE', KEYS[1], ARGV[j - 1]) or ''
        out[j - 1] = table.concat(text, ',')
    else
        out[j - 1] = false
    end
end
return out
