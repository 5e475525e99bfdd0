"""The audit log: who changed what, when, from where; every write through the API or the CLI, one
sealed entry each in a stream capped by count and age (``UNICRON_AUDIT_MAX``, ``UNICRON_AUDIT_DAYS``)."""

from __future__ import annotations

import logging
import time

from pydantic import BaseModel, Field

from unicron_core import keys
from unicron_core.errors import InvalidSpec, UnreadableRecord
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Batch, Op, call, one

log = logging.getLogger(__name__)
DAY_MS = 86_400_000


class AuditEntry(BaseModel):
    """One write: who, from where, when, what and to what."""

    at: float = Field(description="epoch seconds")
    actor: str = Field(description="the name of the API key (operator: the CLI with the cluster key)")
    ip: str | None = Field(description="the client's address; null from the CLI")
    action: str = Field(description="what was done, e.g. job.update, job.pause, key.revoke")
    target: str = Field(description="what it was done to: a job id, a key name, the cluster")
    fields: list[str] = Field(default_factory=list, description="the names of the fields it changed")
    id: str = Field("", description="the entry's id, the cursor of the page after it")


class Audit:
    """Operations on the audit log (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec, settings: Settings) -> None:
        self._codec = codec
        self._settings = settings

    def record(
        self, *, actor: str, ip: str | None, action: str, target: str, fields: list[str] | None = None
    ) -> Op[None]:
        """Appends an entry, and trims entries past the log's count and age."""
        sealed, most, oldest_id = self.script_args(
            actor=actor, ip=ip, action=action, target=target, fields=fields
        )
        yield Batch(
            [
                call("xadd", keys.AUDIT, {"e": sealed}, maxlen=most, approximate=True),
                call("xtrim", keys.AUDIT, minid=oldest_id, approximate=True),
            ]
        )

    def script_args(
        self, *, actor: str, ip: str | None, action: str, target: str, fields: list[str] | None = None
    ) -> tuple[bytes, int, int]:
        """What a script that records its own entry (``write_job.lua``) takes: the entry, sealed;
        the log's most entries; the oldest entry id (ms) it keeps."""
        now = time.time()
        entry = AuditEntry(at=now, actor=actor, ip=ip, action=action, target=target, fields=fields or [])
        oldest_ms = int(now * 1000) - self._settings.audit_days * DAY_MS
        return self._codec.seal("audit", "audit", entry), self._settings.audit_max, oldest_ms

    def page(self, *, limit: int, cursor: str | None) -> Op[tuple[list[AuditEntry], str | None]]:
        """Entries newest first, ``limit`` at most, before the entry ``cursor`` names; and the
        cursor of the next page (None on the last).

        Raises:
            InvalidSpec: ``cursor`` is not an entry id.
        """
        if cursor is not None and not _is_entry_id(cursor):
            raise InvalidSpec("not a cursor this API handed out", field="cursor")
        high = "+" if cursor is None else f"({cursor}"
        (rows,) = yield one(call("xrevrange", keys.AUDIT, max=high, min="-", count=limit))
        entries = []
        for entry_id, values in rows:
            try:
                entry = self._codec.open("audit", "audit", values.get(b"e"), AuditEntry)
            except UnreadableRecord as exc:
                log.error("skipping unreadable record: %s", exc)
                continue
            entries.append(entry.model_copy(update={"id": text(entry_id)}))
        next_cursor = text(rows[-1][0]) if len(rows) == limit else None
        return entries, next_cursor


def _is_entry_id(value: str) -> bool:
    ms, dash, seq = value.partition("-")
    return ms.isdigit() and dash == "-" and seq.isdigit()
