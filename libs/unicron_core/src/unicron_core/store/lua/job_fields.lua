-- Some fields of many jobs, in one reply (GET /api/job/ reads every job: one script call a few
-- thousand jobs, instead of a command each).
--
-- KEYS     the jobs' hashes (unicron:job:{id})
-- ARGV     the fields' names
--
-- Returns, per job, the list of its fields' values (nil where absent), in the order of KEYS.
local out = {}
for j = 1, #KEYS do out[j] = redis.call('HMGET', KEYS[j], unpack(ARGV)) end
return out
