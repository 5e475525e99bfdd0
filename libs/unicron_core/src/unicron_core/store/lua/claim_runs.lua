-- RQ jobs claimed by a worker, a batch at once (docs/decisions/0012-concurrent-worker.md): each
-- taken off the queue, marked started as RQ marks it, and put on RQ's started registry with a
-- deadline the worker's heartbeats move on; a job whose hash is gone (deleted meanwhile) is dropped.
--
-- KEYS[1]  rq:queue:{queue}                the queue (list)
-- KEYS[2]  rq:queue:{queue}:intermediate   where a worker's blocking wait moved an id (list)
-- KEYS[3]  rq:wip:{queue}                  RQ's started registry: <rq id>:<execution id> -> deadline
-- ARGV[1]  how many to take from the queue at most
-- ARGV[2]  the registry deadline, epoch s
-- ARGV[3]  now, as RQ writes it (started_at, last_heartbeat)
-- ARGV[4]  the worker's name
-- ARGV[5]  the prefix of this call's execution ids (unique per call; then 1, 2, ...)
-- ARGV[6]  the key prefix of RQ job hashes (rq:job:)
-- ARGV[7]  an id the worker moved to the intermediate list, taken first ('' none)
--
-- Returns {rq id, execution id, data, ...}, one triple a job claimed.
local ids = {}
if ARGV[7] ~= '' and redis.call('LREM', KEYS[2], 1, ARGV[7]) == 1 then ids[1] = ARGV[7] end
local more = tonumber(ARGV[1]) - #ids
if more > 0 then
    local popped = redis.call('LPOP', KEYS[1], more)
    if popped then
        for _, id in ipairs(popped) do ids[#ids + 1] = id end
    end
end
local out = {}
for i, id in ipairs(ids) do
    local key = ARGV[6] .. id
    local data = redis.call('HGET', key, 'data')
    if data then
        local execution = ARGV[5] .. i
        redis.call('HSET', key, 'status', 'started', 'started_at', ARGV[3], 'last_heartbeat', ARGV[3],
            'worker_name', ARGV[4])
        redis.call('ZADD', KEYS[3], ARGV[2], id .. ':' .. execution)
        out[#out + 1] = id
        out[#out + 1] = execution
        out[#out + 1] = data
    end
end
return out
