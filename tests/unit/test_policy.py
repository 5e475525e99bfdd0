"""The pure decisions (``unicron_core.policy``), without Redis: admission, catch-up, backoff, overlap."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicron_core import cron, policy
from unicron_core.apikeys import ALL_SCOPES, Principal, Scope
from unicron_core.errors import Forbidden, InvalidSpec
from unicron_core.models import Catchup, JobSpec, Notify, Overlap, TaskSpec
from unicron_core.records import RunStatus
from unicron_core.settings import Settings

T0 = 1_800_000_000_000  # a whole minute, epoch ms
ADMIN = Principal(name="admin", scopes=ALL_SCOPES)
WRITER = Principal(name="writer", scopes=frozenset({Scope.JOBS_WRITE, Scope.TASKS_WRITE}))


def _settings(**changes: Any) -> Settings:
    return Settings(key="policy-test-key-0123456789", tz="Europe/Berlin", **changes)


# -- admission ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "problem"),
    [
        (None, None),
        (1_000.5, None),
        (1_000.0, "must be in the future"),
        (1_000.0 + policy.PAUSE_HORIZON_S, None),
        (1_000.1 + policy.PAUSE_HORIZON_S, "must be within 10 years; null pauses until resumed"),
        (1.7976931348623157e308, "must be within 10 years; null pauses until resumed"),
    ],
)
def test_a_pause_ends_in_the_future_and_within_ten_years(until: float | None, problem: str | None) -> None:
    if problem is None:
        policy.admit_pause_until(until, now=1_000.0)
        return
    with pytest.raises(InvalidSpec) as refused:
        policy.admit_pause_until(until, now=1_000.0)
    assert (refused.value.field, refused.value.reason) == ("until", problem)


def test_a_job_without_a_zone_gets_the_cluster_s() -> None:
    spec = JobSpec(name="j", schedule="@daily", http_url="https://example.com/")
    admitted = policy.admit_job(spec, settings=_settings(), actor=WRITER)
    assert admitted.timezone == "Europe/Berlin"
    assert admitted.model_copy(update={"timezone": None}) == spec
    zoned = spec.model_copy(update={"timezone": "Asia/Tokyo"})
    assert policy.admit_job(zoned, settings=_settings(), actor=WRITER) == zoned


@pytest.mark.parametrize(
    ("allow", "actor", "refusal"),
    [
        (False, ADMIN, "UNICRON_ALLOW_COMMANDS"),
        (True, WRITER, "commands scope"),
        (True, ADMIN, None),
    ],
)
def test_commands_need_the_cluster_s_leave_and_the_key_s_scope(
    allow: bool, actor: Principal, refusal: str | None
) -> None:
    settings = _settings(allow_commands=allow)
    job = JobSpec(name="j", schedule="@daily", command="true")
    task = TaskSpec(name="t", command="true")
    for admit in (
        lambda: policy.admit_job(job, settings=settings, actor=actor),
        lambda: policy.admit_task(task, settings=settings, actor=actor),
    ):
        if refusal is None:
            admit()
        else:
            with pytest.raises(Forbidden, match=refusal):
                admit()


def test_a_schedule_faster_than_the_cluster_allows_is_refused_naming_the_field() -> None:
    spec = JobSpec(name="j", schedule="*/5 * * * * *", http_url="https://example.com/")
    with pytest.raises(InvalidSpec, match=r"^schedule: it can fire every 5 s; .* every 10 s") as caught:
        policy.admit_job(spec, settings=_settings(min_interval_s=10), actor=WRITER)
    assert caught.value.field == "schedule"
    assert caught.value.reason.startswith("it can fire every 5 s; ")
    policy.admit_job(spec, settings=_settings(min_interval_s=5), actor=WRITER)


def test_run_timeouts_and_grace_default_to_the_cluster_s() -> None:
    settings = _settings(http_timeout_s=7, command_timeout_s=70, misfire_grace_s=30)
    http = JobSpec(name="j", schedule="@daily", http_url="https://example.com/")
    assert policy.run_timeout_s(http, settings) == 7
    assert policy.run_timeout_s(TaskSpec(name="t", command="true"), settings) == 70
    assert policy.run_timeout_s(http.model_copy(update={"timeout": 2.5}), settings) == 2.5
    assert policy.misfire_grace_ms(http, settings) == 30_000
    assert policy.misfire_grace_ms(http.model_copy(update={"misfire_grace": 0}), settings) == 0


# -- catch-up ----------------------------------------------------------------------------------


@given(
    period_s=st.integers(1, 120),
    late_ms=st.integers(0, 3_600_000),
    grace_s=st.integers(0, 600),
    catchup=st.sampled_from(["latest", "none", "all"]),
)
def test_catch_up_fires_what_is_in_grace_and_counts_the_rest(
    period_s: int, late_ms: int, grace_s: int, catchup: Catchup
) -> None:
    schedule = cron.parse(f"@every {period_s}s")
    due_ms = schedule.next_after(T0)
    assert due_ms is not None
    now_ms = due_ms + late_ms
    grace_ms = grace_s * 1000
    decided = policy.catch_up(schedule, due_ms=due_ms, now_ms=now_ms, grace_ms=grace_ms, catchup=catchup)

    due_times = list(range(due_ms, now_ms + 1, period_s * 1000))
    in_grace = [t for t in due_times if now_ms - t <= grace_ms]
    missed = [t for t in due_times if now_ms - t > grace_ms]
    assert decided.missed == len(missed)
    late = {"all": missed[-policy.CATCHUP_ALL_MAX :], "latest": missed[-1:], "none": []}[catchup]
    assert decided.fire_ms == late + in_grace
    assert decided.next_ms == due_times[-1] + period_s * 1000  # the first time after now


def test_catch_up_on_time_is_one_fire() -> None:
    schedule = cron.parse("* * * * *")
    decided = policy.catch_up(schedule, due_ms=T0, now_ms=T0 + 3, grace_ms=60_000, catchup="none")
    assert decided == policy.CatchUp(fire_ms=[T0], next_ms=T0 + 60_000, missed=0)


# -- retries and overlap -------------------------------------------------------------------------


@given(
    attempt=st.integers(1, 200),
    initial_s=st.floats(0.1, 600),
    spread=st.floats(1, 1000),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_backoff_is_full_jitter_between_the_floor_and_a_capped_exponential(
    attempt: int, initial_s: float, spread: float, draw: float
) -> None:
    max_s = initial_s * spread
    delay = policy.retry_delay_s(attempt, initial_s=initial_s, max_s=max_s, draw=draw)
    ceiling = min(max_s, initial_s * 2.0 ** min(attempt, 64))
    assert initial_s <= delay <= ceiling
    assert delay == pytest.approx(initial_s + draw * (ceiling - initial_s))
    later = policy.retry_delay_s(attempt + 1, initial_s=initial_s, max_s=max_s, draw=draw)
    assert later >= delay  # the same draw never waits less for a later attempt


def test_backoff_counts_attempts_from_one() -> None:
    assert policy.retry_delay_s(1, initial_s=10, max_s=600, draw=0.5) == 15
    assert policy.retry_delay_s(3, initial_s=10, max_s=600, draw=0) == 10
    assert policy.retry_delay_s(9, initial_s=10, max_s=600, draw=0.999999) == pytest.approx(600, abs=0.01)
    with pytest.raises(ValueError, match="from 1"):
        policy.retry_delay_s(0, initial_s=10, max_s=600, draw=0.5)


def test_a_run_is_retried_while_it_has_attempts_left() -> None:
    spec = TaskSpec(name="t", command="false", retries=2, retry_backoff={"initial_s": 1, "max_s": 5})
    assert policy.retry_after_s(spec, attempt=1, draw=0) == 1
    assert policy.retry_after_s(spec, attempt=2, draw=0.5) == 2.5
    assert policy.retry_after_s(spec, attempt=3, draw=0) is None
    assert policy.retry_after_s(TaskSpec(name="t", command="false"), attempt=1, draw=0) is None


@pytest.mark.parametrize(
    ("overlap", "running", "force", "action"),
    [
        ("allow", True, False, "start"),
        ("forbid", True, False, "skip"),
        ("replace", True, False, "replace"),
        ("forbid", False, False, "start"),
        ("replace", False, False, "start"),
        ("forbid", True, True, "start"),
        ("replace", True, True, "start"),
    ],
)
def test_overlap(overlap: Overlap, running: bool, force: bool, action: str) -> None:
    assert policy.on_overlap(overlap, running=running, force=force) == action


# -- alerts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notify", "status", "change", "failures", "event"),
    [
        ("always", "success", "", 0, "success"),
        ("always", "failure", "", 1, "failure"),
        ("always", "success", "recovered", 0, "recovery"),
        ("always", "missed", "", 0, "missed"),  # every missed run
        ("failure", "success", "recovered", 0, None),
        ("failure", "failure", "", 1, None),  # before alert_after (2)
        ("failure", "failure", "failing", 2, "failure"),
        ("failure", "failure", "", 3, "failure"),  # every failure from then on
        ("failure", "missed", "missed", 0, "missed"),  # once as the job goes missing
        ("failure", "missed", "", 0, None),
        ("change", "failure", "", 1, None),
        ("change", "failure", "failing", 2, "failure"),
        ("change", "failure", "", 3, None),  # one alert a change
        ("change", "success", "recovered", 0, "recovery"),
        ("change", "success", "", 0, None),
        ("change", "skipped", "", 0, None),
        ("never", "failure", "failing", 2, None),
        ("never", "missed", "missed", 0, None),
    ],
)
def test_alert(
    notify: Notify, status: RunStatus, change: policy.HealthChange, failures: int, event: str | None
) -> None:
    assert policy.alert(notify, status=status, change=change, failures=failures, alert_after=2) == event


def test_a_missed_start_is_judged_by_the_start_deadline_else_the_grace() -> None:
    settings = Settings(key="k" * 32, misfire_grace_s=60)
    job = JobSpec(name="j", schedule="@daily", http_url="http://example.test/", timezone="UTC")
    assert policy.start_deadline_s(job, settings) == 60
    assert policy.start_deadline_s(job.model_copy(update={"misfire_grace": 5}), settings) == 5
    assert policy.start_deadline_s(job.model_copy(update={"start_deadline": 0}), settings) == 0
