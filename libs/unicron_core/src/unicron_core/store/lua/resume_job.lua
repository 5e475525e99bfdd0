-- A paused job resumed: its pause gone, back on the due index at its next fire from now.
--
-- KEYS[1]  unicron:job:{id}
-- KEYS[2]  unicron:due
-- KEYS[3]  unicron:paused
-- KEYS[4]  unicron:resumes
-- KEYS[5]  unicron:jobs:changes  the jobs whose views moved (stream: job id -> '')
-- ARGV[1]  the job id
-- ARGV[2]  the pause the caller read, ciphertext (compare-and-set: a pause changed meanwhile stays)
-- ARGV[3]  the next fire, epoch ms (-1: it never fires again)
-- ARGV[4]  the wake channel
--
-- Returns 1 resumed; 0 not paused, or paused again meanwhile; -1 no such job.
local id = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'pause') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], 'pause')
redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('ZREM', KEYS[3], id)
redis.call('ZREM', KEYS[4], id)
if ARGV[3] ~= '-1' then redis.call('ZADD', KEYS[2], ARGV[3], id) end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', $VIEW_CHANGES_KEPT, '*', id, '')  -- its view moved
redis.call('PUBLISH', ARGV[4], id)
return 1
