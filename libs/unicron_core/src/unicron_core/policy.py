"""Pure decisions, functions of their inputs only: the store and the loops carry them out
(docs/architecture.md, "Policy"). Nothing here does I/O or reads the clock.

- Admission: what a job or task must satisfy to be stored (commands allowed, the shortest
  interval, the default time zone), one path for the API, the CLI and bulk imports.
- Catch-up: which of a job's due times to fire after a scheduler outage.
- Retry backoff and overlap: how long before the next attempt, and what a fire does while a run
  of the same job is still going.
- Alerts: whom a run's end is told, and as which event.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from unicron_core import cron
from unicron_core.apikeys import Principal, Scope
from unicron_core.errors import Forbidden, InvalidSpec
from unicron_core.models import Catchup, JobSpec, Notify, Overlap, RunSpec, TaskSpec
from unicron_core.records import RunStatus
from unicron_core.settings import Settings

CATCHUP_ALL_MAX = 100  # fires `catchup: all` runs at most after an outage
PAUSE_HORIZON_S = 10 * 366 * 86_400  # a pause given an end ends within ten years (null: until resumed)


# -- admission ---------------------------------------------------------------------------------


def admit_job(spec: JobSpec, *, settings: Settings, actor: Principal) -> JobSpec:
    """``spec`` as it is stored: in the cluster's zone when it names none.

    Raises:
        Forbidden: a command on a cluster or with a key that does not allow them.
        InvalidSpec: the schedule fires more often than the cluster allows.
    """
    _check_command(spec, settings, actor)
    if spec.timezone is None:
        spec = spec.model_copy(update={"timezone": settings.tz})
    refusal = too_frequent(schedule_of(spec, settings), settings)
    if refusal is not None:
        raise InvalidSpec(refusal, field="schedule")
    return spec


def too_frequent(schedule: cron.Schedule, settings: Settings) -> str | None:
    """Why the cluster refuses ``schedule`` for firing too often (``UNICRON_MIN_INTERVAL``), or None."""
    interval_ms = schedule.min_interval_ms
    if interval_ms >= settings.min_interval_s * 1000:
        return None
    return (
        f"it can fire every {interval_ms / 1000:g} s; this cluster allows at most one fire "
        f"every {settings.min_interval_s} s (UNICRON_MIN_INTERVAL)"
    )


def admit_task(spec: TaskSpec, *, settings: Settings, actor: Principal) -> TaskSpec:
    """``spec`` as it is stored (see ``admit_job``).

    Raises:
        Forbidden: a command on a cluster or with a key that does not allow them.
    """
    _check_command(spec, settings, actor)
    return spec


def admit_run(spec: RunSpec, *, settings: Settings, actor: Principal) -> None:
    """Whether ``actor`` may start a run of ``spec`` by hand: a command needs the cluster's and
    the key's leave, as at creation.

    Raises:
        Forbidden: a command, and the cluster or the key does not allow them.
    """
    _check_command(spec, settings, actor)


def _check_command(spec: RunSpec, settings: Settings, actor: Principal) -> None:
    if spec.command is None:
        return
    if not settings.allow_commands:
        raise Forbidden(
            "shell commands are disabled on this cluster (set UNICRON_ALLOW_COMMANDS=true to allow)"
        )
    if not actor.may(Scope.COMMANDS):
        raise Forbidden("shell commands need an API key with the commands scope")


def admit_pause_until(until: float | None, *, now: float) -> None:
    """Refuses a pause's end that is not in the future, or more than ten years ahead.

    Raises:
        InvalidSpec: naming ``until``.
    """
    if until is None:
        return
    if until <= now:
        raise InvalidSpec("must be in the future", field="until")
    if until > now + PAUSE_HORIZON_S:
        raise InvalidSpec("must be within 10 years; null pauses until resumed", field="until")


def schedule_of(spec: JobSpec, settings: Settings) -> cron.Schedule:
    """The job's schedule in its zone (the cluster's for a job stored before zones were set)."""
    return cron.parse(spec.schedule, spec.timezone or settings.tz)


def run_timeout_s(spec: RunSpec, settings: Settings) -> float:
    """The run's own time limit: its ``timeout``, else the cluster's default for its kind."""
    if spec.timeout is not None:
        return spec.timeout
    return settings.command_timeout_s if spec.kind == "command" else settings.http_timeout_s


def start_deadline_s(spec: JobSpec, settings: Settings) -> float:
    """How long after its fire time a run may still start: the job's start deadline, else its
    misfire grace."""
    return spec.start_deadline if spec.start_deadline is not None else misfire_grace_ms(spec, settings) / 1000


def misfire_grace_ms(spec: JobSpec, settings: Settings) -> int:
    """How late a fire may still run: the job's grace, else the cluster's."""
    grace_s = settings.misfire_grace_s if spec.misfire_grace is None else spec.misfire_grace
    return grace_s * 1000


# -- catch-up ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatchUp:
    """Which due times to fire now, when the job is due next, and how many were given up."""

    fire_ms: list[int]
    next_ms: int | None
    missed: int
    missed_span: tuple[int, int] | None = None  # the first and last time given up, epoch ms


def catch_up(
    schedule: cron.Schedule, *, due_ms: int, now_ms: int, grace_ms: int, catchup: Catchup
) -> CatchUp:
    """The fires of a job due at ``due_ms`` when the scheduler looks at ``now_ms``.

    Times within ``grace_ms`` of now fire late; older ones are missed: counted, and by ``catchup``
    all run (at most ``CATCHUP_ALL_MAX``, the newest), only the latest, or none.
    """
    nxt = schedule.next_after(due_ms)
    if (nxt is None or nxt > now_ms) and now_ms - due_ms <= grace_ms:
        return CatchUp(fire_ms=[due_ms], next_ms=nxt, missed=0)  # the usual case: one fire, on time
    in_grace: list[int] = []
    missed: deque[int] = deque(maxlen=CATCHUP_ALL_MAX)
    missed_count = 0
    first_missed = due_ms
    t: int | None = due_ms
    while t is not None and t <= now_ms:
        if now_ms - t <= grace_ms:
            in_grace.append(t)
        else:
            missed.append(t)
            missed_count += 1
        t = schedule.next_after(t)
    late = {"all": list(missed), "latest": list(missed)[-1:], "none": []}[catchup]
    span = (first_missed, missed[-1]) if missed else None
    return CatchUp(fire_ms=late + in_grace, next_ms=t, missed=missed_count, missed_span=span)


# -- retries and overlap -----------------------------------------------------------------------


def retry_delay_s(attempt: int, *, initial_s: float, max_s: float, draw: float) -> float:
    """Seconds before the next attempt after failed attempt ``attempt`` (1 for the first):
    exponential backoff with full jitter above a floor, ``initial_s`` plus ``draw`` (uniform in
    [0, 1)) of the way to the ceiling ``min(max_s, initial_s * 2**attempt)``. Never sooner than
    ``initial_s`` (what a user who wrote it expects), spread over the whole range so that many
    runs failing together do not retry together (docs/decisions/0013-execution-control.md)."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = max(initial_s, min(max_s, initial_s * 2.0 ** min(attempt, 64)))
    return initial_s + draw * (ceiling - initial_s)


def retry_after_s(spec: RunSpec, *, attempt: int, draw: float) -> float | None:
    """Seconds before a failed attempt's run is tried again; None when it has no attempt left."""
    if attempt > spec.retries:
        return None
    backoff = spec.retry_backoff
    return retry_delay_s(attempt, initial_s=backoff.initial_s, max_s=backoff.max_s, draw=draw)


OverlapAction = Literal["start", "skip", "replace"]


def on_overlap(policy: Overlap, *, running: bool, force: bool = False) -> OverlapAction:
    """What a new run of a job does while another is ``running``: start beside it, be skipped, or
    replace it (the running one is aborted first). A forced manual run always starts."""
    if not running or force or policy == "allow":
        return "start"
    return "skip" if policy == "forbid" else "replace"


# -- alerts ------------------------------------------------------------------------------------

# What a run's end did to its job's health (record_run.lua): it turned failing (its alert_after-th
# failure in a row), recovered (a success after that), went missing (a first missed run), or none.
HealthChange = Literal["failing", "recovered", "missed", ""]
AlertEvent = RunStatus | Literal["recovery", "overrun"]  # a run's status, or what the job's health did


def alert(
    notify: Notify, *, status: RunStatus, change: HealthChange, failures: int, alert_after: int
) -> AlertEvent | None:
    """The event a run's end is told as (email and webhook), or None when ``notify`` says nothing.

    always tells every end, failure the failures from the ``alert_after``-th in a row, change only
    the changes (turned failing, recovered). A missed run is told in every mode but never: once
    when the job goes missing, and every time with always."""
    if notify == "never":
        return None
    if status == "missed":
        return "missed" if change == "missed" or notify == "always" else None
    if notify == "always":
        return "recovery" if change == "recovered" else status
    if notify == "failure":
        return "failure" if status == "failure" and failures >= alert_after else None
    if change == "failing":
        return "failure"
    return "recovery" if change == "recovered" else None
