"""Every job's view as JSON text, for the original's ``GET /api/job/`` (the whole cluster in one
answer): what ``views.JobView`` shows, written without a model per job, and kept per process.

A job's view has two parts: what changes at each run (its counters and next fire, read for every
job each time, one short text a job) and what changes only when the job is written (its
definition and pause, read and opened again only when its revision ``rev`` moved: one more at every
write of either). A job whose counters did not move either is answered as it was.
tests/core/test_job_json.py holds it to JobView.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from unicron_core import keys
from unicron_core.errors import UnreadableRecord
from unicron_core.models import MASK, MASKED_FIELDS
from unicron_core.replies import text
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.scripts import Script
from unicron_core.views import JobInfo

log = logging.getLogger(__name__)

CHUNK = 5000  # jobs a script call reads (a few milliseconds of Redis's time)
_STATIC = ["spec", "pause", "created", "created_by", "version", "updated", "updated_by"]
# What a job's info shows when its stored definition predates a field: the field's default.
_INFO_DEFAULTS: dict[str, Any] = {
    name: field.get_default(call_default_factory=True) for name, field in JobInfo.model_fields.items()
}


class _Known:
    """A job's view as last answered: its counters' text, its revision, the two parts."""

    __slots__ = ("counters", "paused", "rev", "static", "view")

    def __init__(self, counters: bytes, rev: bytes, static: str, paused: bool, view: str = "") -> None:
        self.counters, self.rev, self.static, self.paused, self.view = counters, rev, static, paused, view


class JobJson:
    """Jobs' views as JSON (run ``every`` with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec) -> None:
        self._codec = codec
        self._known: dict[str, _Known] = {}

    def every(self) -> Op[str]:
        """``{"<job id>": <view>, ...}`` for every job this node can read, by id."""
        (members,) = yield one(call("zrange", keys.JOBS, 0, -1))
        job_ids = sorted(text(m) for m in members)
        counters = yield from _read(job_ids)
        known, self._known = self._known, {}
        moved = [
            job_id
            for job_id, now in zip(job_ids, counters, strict=True)
            if now is not None and ((k := known.get(job_id)) is None or k.rev != now.split(b",", 1)[0])
        ]
        statics = yield from _read_static(moved)
        for job_id, values in zip(moved, statics, strict=True):
            try:
                static = self._static(job_id, values)
            except UnreadableRecord as exc:
                log.error("skipping unreadable record: %s", exc)
                known.pop(job_id, None)
                continue
            known[job_id] = _Known(b"", b"", static, paused=values[1] is not None)
        parts = []
        for job_id, now in zip(job_ids, counters, strict=True):
            k = known.get(job_id)
            if now is None or k is None:
                continue  # deleted meanwhile, or unreadable
            if k.counters != now:
                rev, run_count, missed, last_run, last_status, running, due = now.decode().split(",")
                next_run = repr(float(due) / 1000) if due else "null"
                state = _state(k.paused, int(running or 0), last_status)
                view = (
                    f'"{job_id}":{{"last_run":{last_run or "null"},"run_count":{run_count or "0"},'
                    f'"next_run":{next_run},"missed_count":{missed or "0"},"state":"{state}",{k.static}}}'
                )
                k = _Known(now, rev.encode(), k.static, k.paused, view)
            self._known[job_id] = k
            parts.append(k.view)
        return "{" + ",".join(parts) + "}"

    def _static(self, job_id: str, values: list[Any]) -> str:
        """The part of a job's view that changes only when the job is written."""
        spec_blob, pause_blob, created, created_by, version, updated, updated_by = values
        spec = json.loads(self._codec.open_bytes("job", job_id, spec_blob))
        info = {name: spec.get(name, default) for name, default in _INFO_DEFAULTS.items()}
        for name in MASKED_FIELDS:
            info[name] = dict.fromkeys(info[name], MASK)
        pause = (
            None
            if pause_blob is None
            else json.loads(self._codec.open_bytes("job-pause", job_id, pause_blob))
        )
        return json.dumps(
            {
                "schedule": spec["schedule"],
                "info": info,
                "timezone": spec.get("timezone"),
                "created": float(created or 0),
                "created_by": None if created_by is None else text(created_by),
                "job_id": job_id,
                "version": int(version or 1),
                "updated": None if updated is None else float(updated),
                "updated_by": None if updated_by is None else text(updated_by),
                "paused": pause,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )[1:-1]


def _state(paused: bool, running: int, last_status: str) -> str:
    """``JobRecord.state``, from the parts this module reads."""
    if paused:
        return "paused"
    if running > 0:
        return "running"
    return "failing" if last_status not in ("", "success") else "active"


def _read(job_ids: Sequence[str]) -> Op[list[bytes | None]]:
    """Each job's counters' text (``job_counters.lua``), None for a job that is gone."""
    chunks = [job_ids[i : i + CHUNK] for i in range(0, len(job_ids), CHUNK)]
    replies = yield Batch(
        [ScriptCall(Script.JOB_COUNTERS, [keys.DUE, *map(keys.job, chunk)], chunk) for chunk in chunks]
    )
    return [value for reply in replies for value in reply]


def _read_static(job_ids: Sequence[str]) -> Op[list[list[Any]]]:
    """The fields of each job's unchanging part."""
    chunks = [job_ids[i : i + CHUNK] for i in range(0, len(job_ids), CHUNK)]
    replies = yield Batch(
        [ScriptCall(Script.JOB_FIELDS, [keys.job(job_id) for job_id in chunk], _STATIC) for chunk in chunks]
    )
    return [row for reply in replies for row in reply]
