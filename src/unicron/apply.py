"""``unicron apply -f jobs.yaml``: make the jobs of a file exist as written, by name.

Plan, then apply (docs/decisions/0010-apply.md says why so):

1. Read the whole file: a list of jobs, each with a ``name`` no other job of the file has; each gets
   ``managed_by: <owner>``. A problem here is one line and exit 2, before any request.
2. Plan every job with ``PUT /api/job/name/{name}?dry_run=true``: the API compares the definition with
   the stored one (header values included, which answers never show) and says ``created``, ``updated``
   (with the fields) or ``unchanged``; it validates each as a write would. With ``--prune``, the jobs
   ``GET /api/jobs?managed_by=<owner>`` lists that the file no longer names are deleted. A job the API
   refuses, a name several jobs share, or a job another owner manages stops it all: nothing is
   applied, and each is named on stderr.
3. Print the plan; unless ``--dry-run``, apply it: ``PUT`` by name for creates and updates, ``DELETE``
   for prunes, going on past a failure; then a summary, and exit 1 if anything failed.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from unicron_client.api.jobs import delete_job, page_jobs, upsert_job
from unicron_client.models import JobSpec, JobView

from unicron import documents
from unicron.calls import EXIT_FAILED, Api, RemoteError, body, emit, paged, warn
from unicron_core.errors import ConfigError

MARKS = {"create": "+", "update": "~", "unchanged": "=", "delete": "-"}
OUTCOMES = {"created": "create", "updated": "update", "unchanged": "unchanged"}


@dataclass
class Step:
    """What the plan does to one job, and then what applying it did."""

    name: str
    action: str  # create, update, unchanged, delete
    job_id: str = ""  # "" for a job still to be created
    fields: list[str] = field(default_factory=list)  # the fields an update changes
    spec: JobSpec | None = None  # None for a delete
    done: str | None = None  # after applying: what the API did (created, updated, unchanged, deleted)
    error: str | None = None  # after applying: why it failed

    def line(self) -> str:
        changed = f": {', '.join(self.fields)}" if self.fields else ""
        return f"{MARKS[self.action]} {self.action} {self.name}{changed}"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "action": self.action, "job_id": self.job_id or None,
                "fields": self.fields, "done": self.done, "error": self.error}  # fmt: skip


def apply(api: Api, args: argparse.Namespace) -> int:
    """Plans the file, prints the plan, applies it unless ``--dry-run``; exit 1 if anything failed."""
    specs = read_jobs(args.file, owner=args.owner)
    plan, refused = _plan(api, specs, owner=args.owner)
    if refused:
        for name, why in refused:
            warn(f"{name}: {why}")
        warn(f"nothing applied: {len(refused)} job(s) of {args.file} refused (see above)")
        return EXIT_FAILED
    if args.prune:
        plan += _prunes(api, set(specs), owner=args.owner)
    if not args.json:
        print(
            "\n".join(step.line() for step in plan) or f"no jobs in {args.file}, none managed by {args.owner}"
        )
    if not args.dry_run:
        for step in plan:
            _apply(api, step)
    if args.json:
        emit(args, [step.as_json() for step in plan], str)
    else:
        print(_summary(plan, dry_run=args.dry_run))
    failed = [step for step in plan if step.error is not None]
    for step in failed:
        warn(f"{step.name}: {step.action} failed: {step.error}")
    return EXIT_FAILED if failed else 0


def read_jobs(path: Path, *, owner: str) -> dict[str, JobSpec]:
    """The file's jobs by name, each managed by ``owner``, in the file's order.

    Raises:
        ConfigError: not a list of jobs, a job without a name, two jobs of one name, a job that sets
            another owner, an unknown field or a missing one.
    """
    document = documents.read(path)
    if not isinstance(document, list):
        raise ConfigError(f"{path} must hold a list of jobs (- name: ..., schedule: ...)")
    names = [_name(path, number, job) for number, job in enumerate(document, 1)]
    twice = sorted(name for name, count in Counter(names).items() if count > 1)
    if twice:
        raise ConfigError(f"{path} names more than one job {twice[0]!r}: names are how apply finds jobs")
    specs = {}
    for name, job in zip(names, document, strict=True):
        if job.get("managed_by", owner) != owner:
            raise ConfigError(
                f"job {name!r} in {path}: managed_by is {job['managed_by']!r}, but the jobs of this apply "
                f"are managed by {owner!r} (--owner)"
            )
        specs[name] = body(JobSpec, {**job, "managed_by": owner}, f"job {name!r} in {path}")
    return specs


def _name(path: Path, number: int, job: Any) -> str:
    if not isinstance(job, dict):
        raise ConfigError(f"{path}: job {number} is not an object (name: ..., schedule: ...)")
    name = job.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path}: job {number} has no name (text): apply finds jobs by name")
    if "/" in name:  # the API reads the name from a path segment, where an encoded / is still a /
        raise ConfigError(f"{path}: job {name!r}: apply cannot keep a job whose name has a '/'")
    return name


def _plan(api: Api, specs: dict[str, JobSpec], *, owner: str) -> tuple[list[Step], list[tuple[str, str]]]:
    """A step per job of the file, as the API's dry run answers; and the jobs it refused, with why."""
    plan: list[Step] = []
    refused: list[tuple[str, str]] = []
    for name, spec in specs.items():
        try:
            would = api.call(partial(upsert_job.sync_detailed, name, body=spec, dry_run=True)).result
        except RemoteError as exc:
            refused.append((name, str(exc)))
            continue
        # A dry run answers the stored job as it is: whose it is now.
        if would.outcome != "created" and would.info.managed_by not in (None, owner):
            refused.append(
                (name, f"job {would.job_id} is managed by {would.info.managed_by!r}, not {owner!r}")
            )
            continue
        plan.append(Step(name, OUTCOMES[would.outcome], would.job_id, list(would.changed), spec))
    return plan, refused


def _prunes(api: Api, names: set[str], *, owner: str) -> list[Step]:
    """A delete for each job ``owner`` manages whose name the file no longer has."""
    fetch = partial(_managed_page, api, owner)
    managed, _ = paged(fetch, None)
    return [Step(job.info.name, "delete", job.job_id) for job in managed if job.info.name not in names]


def _managed_page(api: Api, owner: str, cursor: str | None, size: int) -> tuple[list[JobView], str | None]:
    page = api.call(partial(page_jobs.sync_detailed, limit=size, cursor=cursor, managed_by=owner)).result
    return page.items, page.next_cursor


def _apply(api: Api, step: Step) -> None:
    try:
        if step.action == "delete":
            api.call(partial(delete_job.sync_detailed, step.job_id))
            step.done = "deleted"
        elif step.spec is not None and step.action != "unchanged":
            done = api.call(partial(upsert_job.sync_detailed, step.name, body=step.spec)).result
            step.done, step.job_id = str(done.outcome), done.job_id
    except RemoteError as exc:
        step.error = str(exc)


def _summary(plan: list[Step], *, dry_run: bool) -> str:
    if dry_run:
        counts = Counter(step.action for step in plan)
        planned = ", ".join(
            f"{counts[a]} to {a}" if a != "unchanged" else f"{counts[a]} unchanged" for a in MARKS
        )
        return f"dry run, nothing changed: {planned}"
    counts = Counter(step.done or ("failed" if step.error else "unchanged") for step in plan)
    done = ("created", "updated", "unchanged", "deleted", "failed")
    return "applied: " + ", ".join(f"{counts[what]} {what}" for what in done)
