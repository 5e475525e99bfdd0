-- One run of a job queued outside the scheduler's fire (a manual run, the catch-up of a resume),
-- idempotently: its RQ job is written only if its id is new (and, for a fire, its marker).
--
-- KEYS[1]  unicron:job:{id}          the job must exist
-- KEYS[2]  unicron:fired:{id}:{ms}   the fire's marker, or '' when the run is not a fire
-- KEYS[3]  rq:job:{run id}           its RQ job (hash)
-- KEYS[4]  rq:queue:{queue}          the RQ queue (list)
-- KEYS[5]  rq:queues                 RQ's set of queues
-- ARGV[1]  the marker's TTL, ms
-- ARGV[2]  the RQ job id
-- ARGV[3..] the RQ job hash's fields: field, value, ...
--
-- Returns 1 queued; 2 queued before (the same id or fire); -1 no such job.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 2 end
if KEYS[2] ~= '' and not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 2 end
redis.call('HSET', KEYS[3], unpack(ARGV, 3))
redis.call('RPUSH', KEYS[4], ARGV[2])
redis.call('SADD', KEYS[5], KEYS[4])
return 1
