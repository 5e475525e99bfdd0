"""Pages of jobs, filtered by tags, state, owner and a name search, read from the indexes
(docs/architecture.md, "Pages"): the smallest index that answers a filter is walked in creation
order and the rest are checked per page, so a page costs about its own size, not the cluster's."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from unicron_core import keys
from unicron_core.models import JobState
from unicron_core.records import JobRecord
from unicron_core.store import pages
from unicron_core.store.blind import Blind
from unicron_core.store.jobs import Jobs
from unicron_core.store.ops import Batch, Op, call
from unicron_core.store.pages import Cursor

SCAN_BUDGET = 5000  # index entries a filtered page reads at most; past it, it ends early with a cursor
_STATE_INDEX = {"paused": keys.PAUSED, "failing": keys.FAILING, "running": keys.RUNNING}


@dataclass(frozen=True)
class JobFilter:
    """What ``GET /api/jobs`` asks for: every condition must hold."""

    q: str | None = None  # the name contains it, whatever the case
    tags: tuple[str, ...] = ()
    state: JobState | None = None
    managed_by: str | None = None


@dataclass(frozen=True)
class JobsPage:
    """A page of jobs, the cursor of the next one (None on the last), how many match in all
    (None when a name search makes that a scan of every job)."""

    items: list[JobRecord]
    next_cursor: Cursor | None
    total: int | None


class JobList:
    """Pages of jobs (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, jobs: Jobs, blind: Blind) -> None:
        self._jobs = jobs
        self._blind = blind

    def page(self, *, where: JobFilter, limit: int, cursor: Cursor | None) -> Op[JobsPage]:
        """The jobs that match ``where``, in creation order, ``limit`` at most, after ``cursor``."""
        required, excluded = yield from self._indexes(where)
        sizes = yield Batch([call("zcard", key) for key in (keys.JOBS, *required)])
        base = min(required, key=lambda k: sizes[1 + required.index(k)]) if required else keys.JOBS
        others = [key for key in required if key != base]
        exact = not others and not excluded and where.q is None
        found: list[JobRecord] = []
        scanned = 0
        while scanned < SCAN_BUDGET:
            want = min(limit - len(found) if exact else limit, SCAN_BUDGET - scanned)
            entries = yield from pages.scan(base, after=cursor, count=want, descending=False)
            scanned += len(entries)
            kept = yield from _members_of(entries, others, excluded)
            records = {r.job_id: r for r in (yield from self._jobs.many(job_ids=kept))}
            for job_id, score in entries:
                cursor = Cursor(score, job_id)
                record = records.get(job_id)
                if record is not None and _named(record, where.q):
                    found.append(record)
                    if len(found) == limit:
                        total = yield from _total(where, required, excluded, sizes)
                        return JobsPage(found, cursor, total)
            if len(entries) < want:
                total = yield from _total(where, required, excluded, sizes)
                return JobsPage(found, None, total)
        return JobsPage(found, cursor, (yield from _total(where, required, excluded, sizes)))

    def _indexes(self, where: JobFilter) -> Op[tuple[list[str], list[str]]]:
        """The zsets a job must be in, and those it must not be in."""
        required: list[str] = []
        if where.tags or where.managed_by is not None:
            key = yield from self._blind.key()
            required += [keys.tag(Blind.token(key, "tag", tag)) for tag in sorted(set(where.tags))]
            if where.managed_by is not None:
                required.append(keys.owner(Blind.token(key, "owner", where.managed_by)))
        if where.state in _STATE_INDEX:
            required.append(_STATE_INDEX[where.state])
        return required, [keys.PAUSED] if where.state == "active" else []


def _named(record: JobRecord, q: str | None) -> bool:
    return q is None or q.casefold() in record.spec.name.casefold()


def _members_of(entries: list[tuple[str, float]], required: list[str], excluded: list[str]) -> Op[list[str]]:
    """The job ids of ``entries`` that are in every zset of ``required`` and in none of ``excluded``."""
    ids = [job_id for job_id, _ in entries]
    if not ids or not (required or excluded):
        return ids
    replies = yield Batch([call("zmscore", key, ids) for key in (*required, *excluded)])
    inside, outside = replies[: len(required)], replies[len(required) :]
    return [
        job_id
        for i, job_id in enumerate(ids)
        if all(scores[i] is not None for scores in inside) and all(scores[i] is None for scores in outside)
    ]


def _total(where: JobFilter, required: list[str], excluded: list[str], sizes: list[int]) -> Op[int | None]:
    """How many jobs match in all: an index's size when one answers, else counted in Redis
    (intersections in MULTI/EXEC, on a scratch key deleted in the same step); None for a name
    search."""
    if where.q is not None:
        return None
    if not excluded and len(required) <= 1:
        return sizes[-1] if required else sizes[0]
    scratch = keys.scratch(secrets.token_hex(8))
    calls = [call("zinterstore", scratch, required or [keys.JOBS])]
    if excluded:
        calls.append(call("zdiffstore", scratch, [scratch, *excluded]))
    replies = yield Batch([*calls, call("delete", scratch)], atomic=True)
    return int(replies[-2])
