"""The Lua scripts (``lua/*.lua``, each opening with its KEYS, ARGV and reply), read once and
registered once per client, and their reply codes, named here and nowhere else."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from functools import cache
from importlib.resources import files

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.commands.core import AsyncScript
from redis.commands.core import Script as SyncScript


class Script(StrEnum):
    """A script, by its file's name in ``lua/``."""

    LEASE_ACQUIRE = "lease_acquire"
    LEASE_RENEW = "lease_renew"
    LEASE_RELEASE = "lease_release"
    FIRE = "fire"
    WRITE_JOB = "write_job"
    DELETE_JOB = "delete_job"
    PAUSE_JOB = "pause_job"
    RESUME_JOB = "resume_job"
    ENQUEUE_RUN = "enqueue_run"
    CLAIM_RUNS = "claim_runs"
    JOB_FIELDS = "job_fields"
    JOB_COUNTERS = "job_counters"
    MIGRATE_JOBS = "migrate_jobs"
    CREATE_TASK = "create_task"
    RECORD_RUN = "record_run"
    END_TASK = "end_task"
    ENQUEUE_RETRIES = "enqueue_retries"
    ABORT_RUN = "abort_run"
    API_KEY_HIT = "api_key_hit"
    RATE_HIT = "rate_hit"
    REPLACE_FIELD = "replace_field"
    REPLACE_STRING = "replace_string"


class FireCode(IntEnum):
    """What ``fire.lua`` did with one fire (its replies after the first)."""

    GONE = 0  # the job was deleted, or its due time already moved on
    ENQUEUED = 1
    SUPPRESSED = 2  # the fire marker or RQ's unique id says it was enqueued before


FENCED_OFF = 0  # fire.lua's first reply when the caller no longer holds the lease


class JobReply(IntEnum):
    """What the job scripts (write, delete, pause, resume, enqueue_run) answer."""

    GONE = -1  # no such job
    REFUSED = 0  # the version moved on (read again), the cluster is full, or it was not paused
    DONE = 1
    ALREADY = 2  # queued before: the same run id, or the same fire (enqueue_run)


Scripts = dict[Script, SyncScript]
AsyncScripts = dict[Script, AsyncScript]


@cache
def source(script: Script) -> str:
    """The text of ``script``, read from the package once per process."""
    return (files(__package__) / "lua" / f"{script.value}.lua").read_text(encoding="utf-8")


def text(script: Script, placeholders: dict[str, str]) -> str:
    """``script``'s text with each ``$NAME`` of ``placeholders`` replaced (``create_task.lua``'s
    shared RQ fields)."""
    body = source(script)
    for name, value in placeholders.items():
        body = body.replace(f"${name}", value)
    return body


def register(client: Redis, placeholders: dict[str, str]) -> Scripts:
    """Every script, registered on a blocking client."""
    return {s: client.register_script(text(s, placeholders)) for s in Script}


def register_async(client: AsyncRedis, placeholders: dict[str, str]) -> AsyncScripts:
    """Every script, registered on an asyncio client."""
    return {s: client.register_script(text(s, placeholders)) for s in Script}
