"""Every Redis key Unicron uses, built here and nowhere else. RQ keeps its own ``rq:`` keys; who
writes and reads each one: docs/architecture.md, "Redis keys".

=============================== ====== ================ ==========================================
key                             type   TTL              holds
=============================== ====== ================ ==========================================
unicron:canary                  string none             a known text encrypted with the cluster key
unicron:jobs                    set    none             the id of every registered job
unicron:job:{id}                hash   none             spec (ciphertext), created (epoch s),
                                                        run_count, missed_count, last_run (epoch s)
unicron:due                     zset   none             job id -> next fire time (epoch ms)
unicron:runs:{job_id}           zset   result retention run id -> run start (epoch s), capped
unicron:rundata:{job_id}        hash   result retention run id -> the run (ciphertext)
unicron:task:{id}               hash   result retention spec, result, error (ciphertext), status,
                                                        attempts
unicron:fired:{job_id}:{ms}     string grace + 2 min    fire marker: that fire was enqueued
unicron:firelog                 stream capped length    every enqueue: job, ms, epoch (audit)
unicron:scheduler:lease         string lease TTL (2 s)  ``<epoch>:<token>`` of the leader
unicron:scheduler:epoch         string none             fencing counter, +1 per acquisition
unicron:wake                    pubsub -                ids of jobs created or deleted
unicron:apikeys                 hash   none             key name -> SHA-256 of the key
unicron:apikey:{sha256}         hash   none             name, scopes, created (never the key)
unicron:rate:{who}:{window}     string one window       requests of one key in one window: who is
                                                        ``sha256:<hash>`` for a stored key, the
                                                        name (env, admin) for the environment's
=============================== ====== ================ ==========================================
"""

from __future__ import annotations

PREFIX = "unicron:"

CANARY = PREFIX + "canary"
JOBS = PREFIX + "jobs"
DUE = PREFIX + "due"
LEASE = PREFIX + "scheduler:lease"
EPOCH = PREFIX + "scheduler:epoch"
WAKE_CHANNEL = PREFIX + "wake"
FIRE_LOG = PREFIX + "firelog"
API_KEY_NAMES = PREFIX + "apikeys"


# SCAN patterns of the keys that hold ciphertext (key rotation walks them).
JOB_PATTERN = PREFIX + "job:*"
RUN_DATA_PATTERN = PREFIX + "rundata:*"
TASK_PATTERN = PREFIX + "task:*"


def job(job_id: str) -> str:
    """The hash of one job: its encrypted spec and its counters."""
    return f"{PREFIX}job:{job_id}"


def runs(job_id: str) -> str:
    """The sorted set of one job's recent runs."""
    return f"{PREFIX}runs:{job_id}"


def run_data(job_id: str) -> str:
    """The hash of one job's recent runs, by run id."""
    return f"{PREFIX}rundata:{job_id}"


def task(task_id: str) -> str:
    """The hash of one async task."""
    return f"{PREFIX}task:{task_id}"


def fired(job_id: str, scheduled_ms: int) -> str:
    """The marker that says the fire ``(job_id, scheduled_ms)`` was enqueued."""
    return f"{PREFIX}fired:{job_id}:{scheduled_ms}"


def api_key(digest: str) -> str:
    """The hash of one API key, by the SHA-256 of the key."""
    return f"{PREFIX}apikey:{digest}"


def rate(who: str, window: int) -> str:
    """One key's request count in one rate-limit window."""
    return f"{PREFIX}rate:{who}:{window}"
