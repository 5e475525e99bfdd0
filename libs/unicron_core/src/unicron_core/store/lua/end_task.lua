-- An attempt of an async task ended (docs/architecture.md, "Runs"), safe to repeat (redis-py
-- sends a script again when its connection broke):
--   end    recorded once (the attempt's marker, SET NX): status, result and error; a task tried
--          again has its next attempt's RQ job written and put on the retries index, which the
--          scheduler's leader queues when due (enqueue_retries.lua)
--   store  stored again, to add its notifications' outcomes: not when a later attempt started
--
-- KEYS[1]  unicron:task:{id}          the task (hash): status, attempts, result, error
-- KEYS[2]  unicron:ended:{run id}:{n} this attempt's marker
-- KEYS[3]  unicron:retries            RQ id -> due ms (zset)
-- KEYS[4]  rq:job:{next attempt's RQ id}  (with a retry; any key otherwise)
-- ARGV[1]  the phase: end or store
-- ARGV[2]  the attempt (1 for the first)
-- ARGV[3]  the status (RETRY, FAILURE, SUCCESS)
-- ARGV[4]  the result, ciphertext
-- ARGV[5]  the error, ciphertext ('' none)
-- ARGV[6]  the task's TTL, s (the result retention)
-- ARGV[7]  the marker's TTL, s
-- ARGV[8]  who ends it (the same caller sending it again is answered as the first time)
-- ARGV[9]  the next attempt's due time, epoch ms ('' when there is none)
-- ARGV[10] the next attempt's RQ id
-- ARGV[11..] its RQ hash's fields (field, value, ...)
--
-- Returns 1 stored (end: or by the same caller before); 0 not stored (end: by another caller
-- before, store: a later attempt started; or the task expired).
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'end' then
    if not redis.call('SET', KEYS[2], ARGV[8], 'NX', 'EX', ARGV[7]) then
        return redis.call('GET', KEYS[2]) == ARGV[8] and 1 or 0
    end
elseif redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[2] then
    return 0
end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'result', ARGV[4])
if ARGV[5] == '' then
    redis.call('HDEL', KEYS[1], 'error')
else
    redis.call('HSET', KEYS[1], 'error', ARGV[5])
end
redis.call('EXPIRE', KEYS[1], ARGV[6])
if ARGV[1] == 'end' and ARGV[9] ~= '' then
    if redis.call('EXISTS', KEYS[4]) == 0 then redis.call('HSET', KEYS[4], unpack(ARGV, 11)) end
    redis.call('ZADD', KEYS[3], 'NX', ARGV[9], ARGV[10])
end
return 1
