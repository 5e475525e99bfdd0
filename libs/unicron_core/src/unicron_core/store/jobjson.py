"""Every job's view as JSON text, for the original's ``GET /api/job/`` (the whole cluster in one
answer): what ``views.JobView`` shows, written without a model per job, and kept per process.

A job's view has two parts: what changes at each run (its counters and next fire, one short text a
job) and what changes only when the job is written (its definition and pause, read and opened again
only when its revision ``rev`` moved: one more at every write of either). Every script that moves a
job's view also names the job in the stream ``unicron:jobs:changes`` (docs/architecture.md, "Listing
every job"), so a process that answered before reads again only the jobs named since the entry it
last saw, and the jobs it does not know. Its first answer, or one after more changes than the
stream keeps, reads every job. tests/core/test_job_json.py holds it to JobView.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic_core import from_json, to_json

from unicron_core import keys
from unicron_core.errors import UnreadableRecord
from unicron_core.models import MASK, MASKED_FIELDS
from unicron_core.records import Pause
from unicron_core.replies import text
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Batch, Op, ScriptCall, call
from unicron_core.store.scripts import Script
from unicron_core.views import JobInfo

log = logging.getLogger(__name__)

CHUNK = 5000  # jobs a script call reads (a few milliseconds of Redis's time)
CHANGES_KEPT = 10_000  # entries of unicron:jobs:changes (MAXLEN ~, in every script that adds one)
_STATIC = ["spec", "pause", "created", "created_by", "version", "updated", "updated_by"]
# What a job's info shows when its stored definition predates a field: the field's default.
# Records are sealed without their fields at defaults (``Codec.seal``): a view puts them back.
_INFO_DEFAULTS: dict[str, Any] = {
    name: info.get_default(call_default_factory=True) for name, info in JobInfo.model_fields.items()
}
_PAUSE_DEFAULTS: dict[str, Any] = {
    name: info.default for name, info in Pause.model_fields.items() if not info.is_required()
}


# A job's view as last answered: its revision, its unchanging part, whether it is paused, and the
# whole view. A plain tuple, not a NamedTuple: CPython stops tracking a tuple of strings, bytes and
# booleans in its garbage collector, never an instance of a tuple subclass; 100,000 tracked views
# made every full collection of the API process walk them (tens of ms, in any request).
_Known = tuple[bytes, str, bool, str]
REV: Final = 0
STATIC: Final = 1
PAUSED: Final = 2
VIEW: Final = 3


@dataclass(frozen=True)
class _Answered:
    """What a process answered last: every job's view, as of the newest entry of the changes then
    (``0-0``: there was none; None: nothing answered yet)."""

    position: str | None = None
    known: dict[str, _Known] = field(default_factory=dict)


class JobJson:
    """Jobs' views as JSON (run ``every`` with ``Store.run`` or ``AsyncStore.run``). Requests at
    once each start from the last whole answer and replace it: never a half-updated one."""

    def __init__(self, *, codec: Codec) -> None:
        self._codec = codec
        self._last = _Answered()

    def every(self) -> Op[str]:
        """``{"<job id>": <view>, ...}`` for every job this node can read, by id."""
        last = self._last
        calls = [call("zrange", keys.JOBS, 0, -1), call("xrevrange", keys.VIEW_CHANGES, count=1)]
        if last.position is not None:
            calls += [
                call("xrange", keys.VIEW_CHANGES, last.position, last.position),  # still kept?
                call("xrange", keys.VIEW_CHANGES, f"({last.position}", count=CHANGES_KEPT),
            ]
        members, newest, *since = yield Batch(calls, atomic=True)
        job_ids = sorted(text(m) for m in members)
        moved = _moved(last.position, since)
        if moved is None:
            moved = set(job_ids)
        stale = [job_id for job_id in job_ids if job_id in moved or job_id not in last.known]
        fresh = yield from self._views(stale, last.known)
        known: dict[str, _Known] = {}
        for job_id in job_ids:
            k = fresh.get(job_id) if job_id in moved or job_id not in last.known else last.known[job_id]
            if k is not None:  # None: deleted meanwhile, or unreadable
                known[job_id] = k
        self._last = _Answered(text(newest[0][0]) if newest else "0-0", known)
        return "{" + ",".join(k[VIEW] for k in known.values()) + "}"

    def _views(self, job_ids: list[str], known: dict[str, _Known]) -> Op[dict[str, _Known | None]]:
        """The views of ``job_ids`` as they are now; a definition opened again only when it moved."""
        counters = yield from _read(job_ids)
        rewritten = [
            job_id
            for job_id, now in zip(job_ids, counters, strict=True)
            if now is not None and ((k := known.get(job_id)) is None or k[REV] != now.split(b",", 1)[0])
        ]
        statics = yield from _read_static(rewritten)
        parts = {job_id: known.get(job_id) for job_id in job_ids}
        for job_id, values in zip(rewritten, statics, strict=True):
            try:
                parts[job_id] = (b"", self._static(job_id, values), values[1] is not None, "")
            except UnreadableRecord as exc:
                log.error("skipping unreadable record: %s", exc)
                parts[job_id] = None
        fresh: dict[str, _Known | None] = {}
        for job_id, now in zip(job_ids, counters, strict=True):
            k = parts[job_id]
            if now is None or k is None:
                fresh[job_id] = None
                continue
            rev, run_count, missed, last_run, last_status, running, due = now.decode().split(",")
            next_run = repr(float(due) / 1000) if due else "null"
            state = _state(k[PAUSED], int(running or 0), last_status)
            view = (
                f'"{job_id}":{{"last_run":{last_run or "null"},"run_count":{run_count or "0"},'
                f'"next_run":{next_run},"missed_count":{missed or "0"},"state":"{state}",{k[STATIC]}}}'
            )
            fresh[job_id] = (rev.encode(), k[STATIC], k[PAUSED], view)
        return fresh

    def _static(self, job_id: str, values: list[Any]) -> str:
        """The part of a job's view that changes only when the job is written."""
        spec_blob, pause_blob, created, created_by, version, updated, updated_by = values
        spec = from_json(self._codec.open_bytes("job", job_id, spec_blob))
        info = {name: spec.get(name, default) for name, default in _INFO_DEFAULTS.items()}
        for name in MASKED_FIELDS:
            info[name] = dict.fromkeys(info[name], MASK)
        pause = (
            None
            if pause_blob is None
            else {**_PAUSE_DEFAULTS, **from_json(self._codec.open_bytes("job-pause", job_id, pause_blob))}
        )
        static = to_json(
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
            }
        )
        return static[1:-1].decode()


def _moved(position: str | None, since: list[Any]) -> set[str] | None:
    """The jobs named in the changes after ``position``; None when they may not all be kept: nothing
    read before, the entry at ``position`` trimmed (and maybe some after it), or as many as kept."""
    if position is None:
        return None
    anchor, entries = since
    if (position != "0-0" and not anchor) or len(entries) >= CHANGES_KEPT:
        return None
    return {text(job_id) for _, named in entries for job_id in named}


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
