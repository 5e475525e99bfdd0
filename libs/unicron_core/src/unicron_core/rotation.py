"""``unicron rotate-key``: re-encrypt every stored record under the current cluster key.

Run it with the new key in ``UNICRON_KEY`` and the old one in ``UNICRON_OLD_KEYS`` (every node gets
both first, so each reads old and new records while the rotation runs). Each record is replaced by
a compare-and-set, so a record written meanwhile is never overwritten; records already under the
new key are skipped, so an interrupted rotation is simply run again. A record that fails
authentication is named and left as it is: it is never decrypted wrongly, and the others rotate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from redis import Redis

from unicron_core import keys, lua
from unicron_core.crypto import KEY_ID_BYTES, Cipher
from unicron_core.errors import UnreadableRecord
from unicron_core.replies import text

log = logging.getLogger(__name__)
SCAN_COUNT = 500

# Which fields of which keys hold ciphertext, and the (kind, record id) each was bound to.
RecordId = Callable[[str, str], tuple[str, str]]
_TASK_FIELDS: dict[str, str] = {"spec": "task", "result": "task-result", "error": "task-error"}


def _job_record(key_id: str, field_name: str) -> tuple[str, str]:
    return "job", key_id


def _run_record(job_id: str, run_id: str) -> tuple[str, str]:
    return "run", f"{job_id}/{run_id}"


def _task_record(task_id: str, field_name: str) -> tuple[str, str]:
    return _TASK_FIELDS[field_name], task_id


_HASHES: tuple[tuple[str, tuple[str, ...] | None, RecordId], ...] = (
    (keys.JOB_PATTERN, ("spec",), _job_record),
    (keys.RUN_DATA_PATTERN, None, _run_record),  # every field is a run
    (keys.TASK_PATTERN, tuple(_TASK_FIELDS), _task_record),
)


@dataclass
class RotationReport:
    """What a rotation did."""

    rotated: int = 0
    current: int = 0
    changed_meanwhile: int = 0
    unreadable: list[str] = field(default_factory=list)


class KeyRotation:
    """Re-encrypts Unicron's records with ``cipher``'s current key."""

    def __init__(self, *, redis: Redis, cipher: Cipher) -> None:
        self._redis = redis
        self._cipher = cipher
        self._replace_field = redis.register_script(lua.REPLACE_FIELD)
        self._replace_string = redis.register_script(lua.REPLACE_STRING)

    def run(self) -> RotationReport:
        """Rotates the canary and every job, run and task record."""
        report = RotationReport()
        self._rotate_canary(report)
        for pattern, fields, record_id in _HASHES:
            for key in self._scan(pattern):
                self._rotate_hash(key, fields, record_id, report)
        return report

    def _scan(self, pattern: str) -> Iterator[str]:
        for key in self._redis.scan_iter(match=pattern, count=SCAN_COUNT, _type="hash"):
            yield text(key)

    def _rotate_canary(self, report: RotationReport) -> None:
        blob = self._redis.get(keys.CANARY)
        new = self._reencrypt(blob, "canary", "cluster", report)
        if isinstance(blob, bytes) and new is not None:
            self._count(self._replace_string(keys=[keys.CANARY], args=[blob, new]), report)

    def _rotate_hash(
        self, key: str, fields: tuple[str, ...] | None, record_id: RecordId, report: RotationReport
    ) -> None:
        owner = key.rsplit(":", 1)[1]
        values = self._redis.hgetall(key)
        for raw_name, blob in values.items():
            name = text(raw_name)
            if fields is not None and name not in fields:
                continue  # a plain counter or status next to the ciphertext
            kind, rid = record_id(owner, name)
            new = self._reencrypt(blob, kind, rid, report)
            if new is not None:
                self._count(self._replace_field(keys=[key], args=[name, blob, new]), report)

    def _reencrypt(self, blob: object, kind: str, record_id: str, report: RotationReport) -> bytes | None:
        """The record under the current key; None when it already is, or cannot be read."""
        if not isinstance(blob, bytes):
            return None
        if blob[1 : 1 + KEY_ID_BYTES] == self._cipher.current_key_id:
            report.current += 1
            return None
        try:
            plain = self._cipher.decrypt(kind=kind, record_id=record_id, blob=blob)
        except UnreadableRecord as exc:
            log.error("not rotated: %s", exc)
            report.unreadable.append(f"{kind} {record_id}")
            return None
        return self._cipher.encrypt(kind=kind, record_id=record_id, plaintext=plain)

    @staticmethod
    def _count(replaced: object, report: RotationReport) -> None:
        if replaced:
            report.rotated += 1
        else:
            report.changed_meanwhile += 1
