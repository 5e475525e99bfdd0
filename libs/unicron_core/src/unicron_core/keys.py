"""Every Redis key Unicron uses, built here and nowhere else. RQ keeps its own ``rq:`` keys; who
writes and reads each one: docs/architecture.md, "Redis keys".

=============================== ====== ================ ==========================================
key                             type   TTL              holds
=============================== ====== ================ ==========================================
unicron:canary                  string none             a known text encrypted with the cluster key
unicron:indexkey                string none             the blind indexes' key, sealed with the
                                                        cluster key
unicron:schema                  string none             the layout's version (migrations done)
unicron:jobs                    zset   none             job id -> created (epoch ms): every job, in
                                                        the order pages list them
unicron:job:{id}                hash   none             spec (ciphertext), created, created_by,
                                                        version, updated, updated_by, changed,
                                                        rev, pause (ciphertext), run_count,
                                                        missed_count, last_run, last_status,
                                                        running
unicron:versions:{id}           hash   none             version -> the job's definition at that
                                                        version (ciphertext), the last 20
unicron:names                   zset   none             ``<name token><job id>``, score 0: a blind
                                                        index of names, read by prefix (BYLEX)
unicron:tag:{token}             zset   none             job id -> created (ms): jobs with a tag
unicron:owner:{token}           zset   none             job id -> created (ms): jobs managed by
unicron:paused                  zset   none             job id -> created (ms): paused jobs
unicron:failing                 zset   none             job id -> created (ms): jobs whose latest
                                                        run failed
unicron:resumes                 zset   none             job id -> when its pause ends (epoch ms)
unicron:running                 zset   none             job id -> created (ms): jobs with a run
                                                        in progress
unicron:inflight:{job_id}       zset   none             run id -> start (epoch ms): the job's runs
                                                        in progress (``running`` is its size)
unicron:ended:{run id}:{n}      string 1 h              attempt n of a run (or task) was recorded
                                                        as ended: a second report does nothing
unicron:abort:{run key}         string 10 min           who asked to abort a running run (a job's
                                                        run id, or a task id); also published on
                                                        ``unicron:abort``
unicron:retries                 zset   none             RQ id -> due (epoch ms): next attempts the
                                                        leader queues when due (their RQ hashes
                                                        are written, not queued)
unicron:jobs:changes            stream capped length    ids of jobs whose views moved (counters,
                                                        next fire, definition, pause): one entry
                                                        a write, ``<job id> ''`` a job
unicron:scratch:{random}        zset   (deleted at once) a count of a page's total, in MULTI/EXEC
unicron:due                     zset   none             job id -> next fire time (epoch ms)
unicron:runs:{job_id}           zset   result retention run id -> run start (epoch s), capped
unicron:rundata:{job_id}        hash   result retention run id -> the run (ciphertext)
unicron:runlog                  zset   none, trimmed    run id -> start (epoch ms): every job's runs
                                                        of the retention window
unicron:runlog:{status}         zset   none, trimmed    the same, for runs that did not succeed
unicron:task:{id}               hash   result retention spec, result, error (ciphertext), status,
                                                        attempts
unicron:tasks                   zset   none, trimmed    task id -> submitted (epoch ms): the tasks of
                                                        the retention window, for the dashboard
unicron:fired:{job_id}:{ms}     string grace + 2 min    fire marker: that fire was enqueued
unicron:firelog                 stream capped length    every enqueue: job, ms, epoch (audit)
unicron:audit                   stream capped, aged     every write through the API or the CLI:
                                                        one ciphertext entry each
unicron:scheduler:lease         string lease TTL (2 s)  ``<epoch>:<token>`` of the leader
unicron:scheduler:epoch         string none             fencing counter, +1 per acquisition
unicron:schedulers              zset   none, trimmed    ``<node> <token>`` -> last seen (epoch ms):
                                                        every scheduler node, leader or standby
unicron:ui:session:{sha256}     hash   idle timeout     a dashboard session, by the SHA-256 of its
                                                        cookie: key (SHA-256 of its API key),
                                                        csrf, created, flash
unicron:ui:form:{sha256}:{n}    string idle timeout     what one form of a session made (a job id):
                                                        a second submission of it makes nothing
unicron:wake                    pubsub -                ids of jobs created, changed or deleted
unicron:abort                   pubsub -                run keys whose abort was asked for
unicron:apikeys                 hash   none             key name -> SHA-256 of the key
unicron:apikey:{sha256}         hash   none             name, scopes, created (never the key)
unicron:rate:{who}:{window}     string one window       requests of one key in one window: who is
                                                        ``sha256:<hash>`` for a stored key, the
                                                        name (env, admin) for the environment's
=============================== ====== ================ ==========================================

A token is the blind index of a value: HMAC-SHA256 under the index key, 32 hex digits
(``unicron_core.store.blind``); tags, names and owners are never stored in clear.
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
INDEX_KEY = PREFIX + "indexkey"
SCHEMA = PREFIX + "schema"
NAMES = PREFIX + "names"
PAUSED = PREFIX + "paused"
FAILING = PREFIX + "failing"
RESUMES = PREFIX + "resumes"
RUNNING = PREFIX + "running"
VIEW_CHANGES = PREFIX + "jobs:changes"
RUNLOG = PREFIX + "runlog"
RETRIES = PREFIX + "retries"
ABORT_CHANNEL = PREFIX + "abort"
AUDIT = PREFIX + "audit"
TASKS = PREFIX + "tasks"
SCHEDULERS = PREFIX + "schedulers"


# SCAN patterns of the keys that hold ciphertext (key rotation walks them).
JOB_PATTERN = PREFIX + "job:*"
RUN_DATA_PATTERN = PREFIX + "rundata:*"
VERSIONS_PATTERN = PREFIX + "versions:*"
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


def inflight(job_id: str) -> str:
    """The sorted set of one job's runs in progress."""
    return f"{PREFIX}inflight:{job_id}"


def abort(run_key: str) -> str:
    """The note that an abort of a run (a job's run id, or a task id) was asked for, and by whom."""
    return f"{PREFIX}abort:{run_key}"


def ended(run_id: str, attempt: int) -> str:
    """The marker that says one attempt of a run (a job's run or a task) was recorded as ended."""
    return f"{PREFIX}ended:{run_id}:{attempt}"


def fired(job_id: str, scheduled_ms: int) -> str:
    """The marker that says the fire ``(job_id, scheduled_ms)`` was enqueued."""
    return f"{PREFIX}fired:{job_id}:{scheduled_ms}"


def api_key(digest: str) -> str:
    """The hash of one API key, by the SHA-256 of the key."""
    return f"{PREFIX}apikey:{digest}"


def ui_session(digest: str) -> str:
    """One dashboard session, by the SHA-256 of its cookie (the cookie itself is never stored)."""
    return f"{PREFIX}ui:session:{digest}"


def ui_form(session_digest: str, nonce: str) -> str:
    """What one form of a dashboard session made, so that submitting it twice makes one thing."""
    return f"{PREFIX}ui:form:{session_digest}:{nonce}"


def rate(who: str, window: int) -> str:
    """One key's request count in one rate-limit window."""
    return f"{PREFIX}rate:{who}:{window}"


def versions(job_id: str) -> str:
    """The list of one job's earlier versions."""
    return f"{PREFIX}versions:{job_id}"


def tag(token: str) -> str:
    """The jobs that carry the tag of blind index ``token``."""
    return f"{PREFIX}tag:{token}"


def owner(token: str) -> str:
    """The jobs managed by the owner of blind index ``token`` (``managed_by``)."""
    return f"{PREFIX}owner:{token}"


def runlog(status: str) -> str:
    """Every job's runs of one status that is not success, newest last."""
    return f"{PREFIX}runlog:{status}"


def scratch(name: str) -> str:
    """A key that lives inside one MULTI/EXEC only (a total counted with ZINTERSTORE)."""
    return f"{PREFIX}scratch:{name}"
