"""The cluster as a whole: the Redis version every node needs, the canary that proves a node holds
the cluster key, the migration of a layout written by an earlier version, and the rotation of
every record to a new key (``unicron rotate-key``).

Rotation: run it with the new key in ``UNICRON_KEY`` and the old one in ``UNICRON_OLD_KEYS`` (every
node gets both first, so each reads old and new records while it runs). Each record is replaced by
a compare-and-set, so a record written meanwhile is never overwritten; records already under the
new key are skipped, so an interrupted rotation is simply run again. A record that fails
authentication is named and left as it is: it is never decrypted wrongly, and the others rotate.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from unicron_core import keys
from unicron_core.crypto import KEY_ID_BYTES
from unicron_core.errors import ConfigError, KeyMismatch, UnreadableRecord
from unicron_core.replies import text
from unicron_core.store.codec import Codec
from unicron_core.store.jobs import Jobs
from unicron_core.store.ops import Op, ScriptCall, call, one
from unicron_core.store.scripts import Script

log = logging.getLogger(__name__)

MIN_REDIS = (6, 2)  # fire.lua copies hashes with COPY
CANARY_TEXT = "unicron cluster key canary v1"
SCAN_COUNT = 500

# Which fields of which hashes hold ciphertext, and the (kind, record id) each is sealed with.
RecordId = Callable[[str, str], tuple[str, str]]
_JOB_FIELDS = {"spec": "job", "pause": "job-pause"}
_TASK_FIELDS = {"spec": "task", "result": "task-result", "error": "task-error"}
_SEALED: tuple[tuple[str, tuple[str, ...] | None, RecordId], ...] = (
    (keys.JOB_PATTERN, tuple(_JOB_FIELDS), lambda job_id, name: (_JOB_FIELDS[name], job_id)),
    (keys.VERSIONS_PATTERN, None, lambda job_id, number: ("job-version", f"{job_id}/{number}")),
    (keys.RUN_DATA_PATTERN, None, lambda job_id, run_id: ("run", f"{job_id}/{run_id}")),  # every field
    (keys.TASK_PATTERN, tuple(_TASK_FIELDS), lambda task_id, name: (_TASK_FIELDS[name], task_id)),
)
# The cluster's own secrets, each a string: the canary, and the blind indexes' key.
_SEALED_STRINGS = ((keys.CANARY, "canary"), (keys.INDEX_KEY, "index-key"))
SCHEMA = 2  # the layout's version: 2 made the job list a zset and added the indexes of names


@dataclass
class RotationReport:
    """What a rotation did."""

    rotated: int = 0
    current: int = 0
    changed_meanwhile: int = 0
    unreadable: list[str] = field(default_factory=list)


def redis_supported(version: str) -> bool:
    """Whether a ``redis_version`` (``INFO server``) is ``MIN_REDIS`` or later."""
    match = re.match(r"(\d+)\.(\d+)", version)
    return match is not None and (int(match[1]), int(match[2])) >= MIN_REDIS


class Cluster:
    """Operations on the cluster's key and version (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec, jobs: Jobs) -> None:
        self._codec = codec
        self._jobs = jobs

    def verify(self) -> Op[None]:
        """Every node's start-up check: Redis is recent enough, and the canary is written on a new
        cluster, else this node's key must open it.

        Raises:
            ConfigError: the Redis at ``REDIS_URL`` is older than ``MIN_REDIS``.
            KeyMismatch: the cluster was created with another ``UNICRON_KEY``.
        """
        (info,) = yield one(call("info", "server"))
        found = str(info.get("redis_version", "unknown"))
        if not redis_supported(found):
            wanted = ".".join(map(str, MIN_REDIS))
            raise ConfigError(
                f"the Redis at REDIS_URL is version {found}; Unicron needs Redis {wanted} or later"
            )
        (blob,) = yield one(call("get", keys.CANARY))
        if blob is None:
            mine = self._codec.seal("canary", "cluster", CANARY_TEXT)
            (written,) = yield one(call("set", keys.CANARY, mine, nx=True))
            if written:
                return
            (blob,) = yield one(call("get", keys.CANARY))
        try:
            self._codec.open_bytes("canary", "cluster", blob)
        except UnreadableRecord:
            raise KeyMismatch(
                "UNICRON_KEY does not match this cluster's key (the canary in Redis does not decrypt); "
                "use the cluster's key, or list the old one in UNICRON_OLD_KEYS while rotating"
            ) from None
        yield from self._migrate()

    def _migrate(self) -> Op[None]:
        """Brings a cluster made by an earlier Unicron to ``SCHEMA``: the job list a zset, every
        job's name in the names index. Idempotent, so nodes starting together may all do it."""
        (schema,) = yield one(call("get", keys.SCHEMA))
        if schema is not None and int(schema) >= SCHEMA:
            return
        script_keys = [keys.JOBS, keys.scratch("migration")]
        (moved,) = yield one(ScriptCall(Script.MIGRATE_JOBS, script_keys, [keys.job("")]))
        if moved:
            log.info("migration: %d jobs listed in creation order", moved)
            yield from self._jobs.index_names()
        yield one(call("set", keys.SCHEMA, SCHEMA))

    def rotate(self) -> Op[RotationReport]:
        """Re-encrypts the canary and every job, run and task record under the current key."""
        report = RotationReport()
        for key, kind in _SEALED_STRINGS:
            (blob,) = yield one(call("get", key))
            new = self._reencrypt(blob, kind, "cluster", report)
            if new is not None:
                (done,) = yield one(ScriptCall(Script.REPLACE_STRING, [key], [blob, new]))
                _count(done, report)
        for pattern, fields, record_id in _SEALED:
            cursor: int | None = None
            while cursor != 0:
                (page,) = yield one(call("scan", cursor or 0, match=pattern, count=SCAN_COUNT, _type="hash"))
                cursor, found = page
                for key in map(text, found):
                    yield from self._rotate_hash(key, fields, record_id, report)
        return report

    def _rotate_hash(
        self, key: str, fields: tuple[str, ...] | None, record_id: RecordId, report: RotationReport
    ) -> Op[None]:
        owner = key.rsplit(":", 1)[1]
        (values,) = yield one(call("hgetall", key))
        for raw_name, blob in values.items():
            name = text(raw_name)
            if fields is not None and name not in fields:
                continue  # a plain counter or status beside the ciphertext
            kind, rid = record_id(owner, name)
            new = self._reencrypt(blob, kind, rid, report)
            if new is not None:
                (done,) = yield one(ScriptCall(Script.REPLACE_FIELD, [key], [name, blob, new]))
                _count(done, report)

    def _reencrypt(self, blob: object, kind: str, record_id: str, report: RotationReport) -> bytes | None:
        """The record under the current key; None when it already is, or cannot be read."""
        if not isinstance(blob, bytes):
            return None
        cipher = self._codec.cipher
        if blob[1 : 1 + KEY_ID_BYTES] == cipher.current_key_id:
            report.current += 1
            return None
        try:
            plain = cipher.decrypt(kind=kind, record_id=record_id, blob=blob)
        except UnreadableRecord as exc:
            log.error("not rotated: %s", exc)
            report.unreadable.append(f"{kind} {record_id}")
            return None
        return cipher.encrypt(kind=kind, record_id=record_id, plaintext=plain)


def _count(replaced: object, report: RotationReport) -> None:
    if replaced:
        report.rotated += 1
    else:
        report.changed_meanwhile += 1
