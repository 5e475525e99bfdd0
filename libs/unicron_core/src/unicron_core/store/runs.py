"""Runs of jobs: each one encrypted, kept for the retention window and capped per job."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from unicron_core import keys
from unicron_core.errors import UnreadableRecord
from unicron_core.models import RunResult
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.scripts import Script

log = logging.getLogger(__name__)


class Runs:
    """Operations on job runs (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec, settings: Settings) -> None:
        self._codec = codec
        self._settings = settings

    def record(self, *, job_id: str, run: RunResult) -> Op[None]:
        """Stores a run of a job (again, to add its notifications' outcomes), keeps the newest runs
        of the retention window, and counts a new run on the job."""
        retention = self._settings.result_retention_s
        blob = self._codec.seal("run", f"{job_id}/{run.run_id}", run)
        oldest = time.time() - retention
        args = [run.run_id, blob, run.start, oldest, self._settings.max_runs_per_job, retention]
        script_keys = [keys.runs(job_id), keys.run_data(job_id), keys.job(job_id)]
        yield one(ScriptCall(Script.RECORD_RUN, script_keys, args))

    def of_job(self, *, job_id: str) -> Op[list[RunResult]]:
        """A job's runs of the retention window, newest first."""
        return (yield from self._of([job_id]))

    def all(self) -> Op[list[RunResult]]:
        """Every job's runs of the retention window, newest first."""
        (members,) = yield one(call("smembers", keys.JOBS))
        return (yield from self._of(sorted(text(m) for m in members)))

    def _of(self, job_ids: Sequence[str]) -> Op[list[RunResult]]:
        oldest = time.time() - self._settings.result_retention_s
        replies = yield Batch(
            [
                c
                for job_id in job_ids
                for c in (
                    call("zrevrangebyscore", keys.runs(job_id), "+inf", oldest),
                    call("hgetall", keys.run_data(job_id)),
                )
            ]
        )
        runs = []
        for job_id, run_ids, blobs in zip(job_ids, replies[::2], replies[1::2], strict=True):
            for run_id in run_ids:
                try:
                    run = self._codec.open("run", f"{job_id}/{run_id.decode()}", blobs.get(run_id), RunResult)
                except UnreadableRecord as exc:
                    log.error("skipping unreadable record: %s", exc)
                    continue
                runs.append(run)
        runs.sort(key=lambda r: r.start, reverse=True)
        return runs
