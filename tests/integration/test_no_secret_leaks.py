"""Canary secrets in headers, SMTP settings and tokens never show in API answers, logs or Redis."""

from __future__ import annotations

import redis

from unicron_testkit.cluster import TOKEN, Cluster
from unicron_testkit.sinks import HttpSink, SmtpSink
from unicron_testkit.waiting import wait_for

from helpers import raw

HEADER = "canary-header-5d1e"
HOOK_HEADER = "canary-hook-8c2f"
SMTP_PASSWORD = "canary-smtp-93ab"
HOOK_SECRET = "canary-hook-secret-41f0"
CANARIES = (HEADER, HOOK_HEADER, SMTP_PASSWORD, HOOK_SECRET, TOKEN)
# In the URLs: a job's URL is its owner's to read (answers show it) but is stored encrypted and
# never logged.
QUERY = "canary-query-77d3"


def _redis_dump(client: redis.Redis) -> bytes:
    """Every key and every value in Redis, whatever its type."""
    parts: list[bytes] = []
    for key in client.scan_iter(count=1000):
        parts.append(raw(key))
        kind = client.type(key)
        if kind == b"string":
            parts.append(raw(client.get(key) or b""))
        elif kind == b"hash":
            parts += [raw(b) for pair in client.hgetall(key).items() for b in pair]
        elif kind == b"list":
            parts += map(raw, client.lrange(key, 0, -1))
        elif kind == b"set":
            parts += map(raw, client.smembers(key))
        elif kind == b"zset":
            parts += map(raw, client.zrange(key, 0, -1))  # the members; their scores are numbers
        elif kind == b"stream":
            entries = client.xrange(key) or []
            parts += [raw(b) for _, fields in entries for pair in (fields or {}).items() for b in pair]
    return b"\n".join(parts)


def test_canaries_stay_secret(cluster: Cluster, redis_client: redis.Redis) -> None:
    with HttpSink() as target, HttpSink() as hook, SmtpSink() as smtp:
        env = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "SMTP_USER": "mailer",
            "SMTP_PASSWORD": SMTP_PASSWORD,
            "UNICRON_HOOK_SECRET": HOOK_SECRET,
        }
        api = cluster.start_api(**env)
        cluster.service("scheduler", env=env)
        cluster.service("worker", env=env)
        spec = {
            "http_url": target.url + f"/x?key={QUERY}",
            "http_headers": {"X-Api-Key": HEADER},
            "hook_url": hook.url + f"/?key={QUERY}",
            "hook_headers": {"X-Hook-Key": HOOK_HEADER},
            "email": "ops@test.example",
        }
        job_id = cluster.post("/api/job/", {"name": "leak", "schedule": "* * * * * *", **spec})
        task_id = cluster.post("/api/async/", {"name": "leak", **spec})
        cluster.wait_runs(job_id)
        cluster.wait_task(task_id)
        wait_for(
            lambda: cluster.get(f"/api/async/{task_id}")["result"]["notifications"],
            10,
            message="the notification outcomes",
        )
        assert target.requests[0].headers["x-api-key"] == HEADER  # the target itself gets it, of course

        answers = [
            api.get(path).text
            for path in (
                "/api/job/",
                f"/api/job/{job_id}",
                "/api/job/result",
                f"/api/job/result/{job_id}",
                f"/api/async/{task_id}",
                "/api/openapi.json",
            )
        ]
        logs = [cluster.procs.stdout(p) + cluster.procs.stderr(p) for p in cluster.started]
        dump = _redis_dump(redis_client)
    for canary in CANARIES:
        for text in answers + logs:
            assert canary not in text, canary
        assert canary.encode() not in dump, canary
    for text in logs:
        assert QUERY not in text
    assert QUERY.encode() not in dump
