-- A new job, unless the cluster holds its maximum: its hash, the job set, its first fire on the
-- due index, and a wake-up for the scheduler.
--
-- KEYS[1]  unicron:job:{id}  the job (hash)
-- KEYS[2]  unicron:jobs      every job id (set)
-- KEYS[3]  unicron:due       job id -> next fire ms (zset)
-- ARGV[1]  the cluster's most jobs (UNICRON_MAX_JOBS)
-- ARGV[2]  the wake channel
-- ARGV[3]  the job id
-- ARGV[4]  the first fire, epoch ms (-1: it never fires)
-- ARGV[5..] the job hash's fields: field, value, ...
--
-- Returns 1 when created, 0 when the cluster is full.
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('SADD', KEYS[2], ARGV[3])
if ARGV[4] ~= '-1' then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3]) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
