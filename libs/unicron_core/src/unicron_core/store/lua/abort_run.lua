-- An abort asked for (docs/architecture.md, "Runs"): a run (or task) still queued, for its first
-- attempt or a later one, is dropped; one a worker has claimed gets a note and a message on the
-- abort channel, which the worker holding it acts on (its heartbeat reads the notes of the runs it
-- holds, should the message be missed). An id a worker's blocking wait has moved to the
-- intermediate list but not yet claimed is still queued: the claim takes only an id it removes
-- from that list itself, so the abort removing it first leaves the worker nothing to run.
--
-- KEYS[1]  rq:queue:{queue}           the RQ queue (list)
-- KEYS[2]  unicron:retries            next attempts waiting to be due (zset)
-- KEYS[3]  rq:job:{rq id}             the RQ job of its current attempt
-- KEYS[4]  unicron:abort:{run key}    the note: who asked
-- KEYS[5]  rq:queue:{queue}:intermediate  where a worker's blocking wait moved an id (list)
-- ARGV[1]  the RQ id of its current attempt
-- ARGV[2]  who asks (an API key's name)
-- ARGV[3]  the abort channel
-- ARGV[4]  the run key: a job's run id, or a task id
-- ARGV[5]  the note's TTL, s
--
-- Returns 1 dropped from the queue (the caller records it aborted); 2 asked of its worker; 0
-- neither queued nor claimed.
local queued = redis.call('LREM', KEYS[1], 0, ARGV[1]) + redis.call('LREM', KEYS[5], 0, ARGV[1])
if queued + redis.call('ZREM', KEYS[2], ARGV[1]) > 0 then
    redis.call('DEL', KEYS[3])
    return 1
end
if redis.call('HGET', KEYS[3], 'status') == 'started' then
    redis.call('SET', KEYS[4], ARGV[2], 'EX', ARGV[5])
    redis.call('PUBLISH', ARGV[3], ARGV[4])
    return 2
end
return 0
