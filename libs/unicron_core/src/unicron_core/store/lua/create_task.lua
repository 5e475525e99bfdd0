-- A new task, atomically: its record (spec, status, retention), its RQ job, queued, and its place
-- in the index of recent tasks (trimmed to the retention window here).
--
-- KEYS[1]  unicron:task:{id}   the task (hash)
-- KEYS[2]  rq:job:{id}         its RQ job (hash)
-- KEYS[3]  rq:queue:{queue}    the RQ queue (list)
-- KEYS[4]  rq:queues           RQ's set of queues
-- KEYS[5]  unicron:tasks       task id -> submitted (epoch ms)
-- ARGV[1]  the spec, ciphertext
-- ARGV[2]  the status (PENDING)
-- ARGV[3]  the task's TTL, s (the result retention)
-- ARGV[4]  the RQ job id (the task's id)
-- ARGV[5]  now, epoch ms
-- ARGV[6..] the RQ job hash's own fields: field, value, ...
--
-- The placeholder in the second HSET is replaced, when the script is registered, by the RQ hash
-- fields every job of ours shares, as Lua literals (unicron_core.store.rqhash): fewer arguments
-- to pack a call.
--
-- Returns 1.
redis.call('HSET', KEYS[1], 'spec', ARGV[1], 'status', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], $SHARED_FIELDS, unpack(ARGV, 6))
redis.call('RPUSH', KEYS[3], ARGV[4])
redis.call('SADD', KEYS[4], KEYS[3])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. (tonumber(ARGV[5]) - tonumber(ARGV[3]) * 1000))
return 1
