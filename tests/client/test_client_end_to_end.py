"""The generated client against real processes: every operation, its answer and its errors, typed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from unicron_client import AuthenticatedClient, Client
from unicron_client.api.admin import create_token, list_tokens, revoke_token
from unicron_client.api.health import healthz, readyz
from unicron_client.api.jobs import create_job, delete_job, get_job, list_jobs, run_job
from unicron_client.api.meta import version
from unicron_client.api.results import abort_run, job_results, list_results
from unicron_client.api.schedule import preview_schedule
from unicron_client.api.tasks import abort_task, create_task, get_task
from unicron_client.models import (
    CommandOutput,
    ErrorEnvelope,
    HttpOutput,
    JobEnvelope,
    JobSpec,
    KeyRequest,
    KeysEnvelope,
    NewKeyEnvelope,
    RunsEnvelope,
    SchedulePreview,
    ScheduleTimesEnvelope,
    TaskSpec,
    TaskView,
    TextEnvelope,
)
from unicron_client.types import Response

from unicron_testkit.ports import free_port
from unicron_testkit.waiting import wait_for

if TYPE_CHECKING:
    from client.conftest import Live  # this folder's conftest, as mypy names it; only a type here

DAILY = JobSpec(name="n", schedule="@daily", command="true")
TASK_TIMEOUT_S = 20
RUN_TIMEOUT_S = 15


def _error(response: Response[Any], status: int) -> ErrorEnvelope:
    """The error envelope of ``response``, which must have ``status``."""
    assert response.status_code == status, response.content
    assert isinstance(response.parsed, ErrorEnvelope), response.parsed
    assert response.parsed.success is False
    return response.parsed


def test_version_and_probes_need_no_token(live: Live) -> None:
    with Client(base_url=live.url, raise_on_unexpected_status=True) as anonymous:
        answer = version.sync(client=anonymous)
        assert isinstance(answer, TextEnvelope) and answer.result.startswith("Unicron v")
        alive = healthz.sync(client=anonymous)
        assert alive is not None and alive.result == "alive"
        ready = readyz.sync(client=anonymous)
        assert not isinstance(ready, ErrorEnvelope) and ready is not None and ready.result == "ready"


def test_job_lifecycle(live: Live, client: AuthenticatedClient) -> None:
    target = f"{live.url}/healthz?from=unicron"
    spec = JobSpec.from_dict(
        {
            "name": "probe",
            "schedule": "* * * * * *",
            "http_url": target,
            "http_headers": {"X-Secret": "s3cret"},
            "http_data": {"a": "1"},
            "timezone": "Asia/Kolkata",
        }
    )
    created = create_job.sync_detailed(client=client, body=spec)
    assert created.status_code == 201 and created.parsed is not None
    assert not isinstance(created.parsed, ErrorEnvelope) and created.parsed.msg == "job created"
    job_id = created.parsed.result

    job = get_job.sync(job_id, client=client)
    assert isinstance(job, JobEnvelope)
    assert job.result.schedule == "* * * * * *" and job.result.timezone == "Asia/Kolkata"
    assert job.result.info.http_headers.to_dict() == {"X-Secret": "***"}  # write-only
    assert job.result.info.http_url == target and job.result.info.http_method == "get"
    listed = list_jobs.sync(client=client)
    assert listed is not None and not isinstance(listed, ErrorEnvelope)
    assert listed.result[job_id].info.name == "probe"

    runs = wait_for(lambda: _runs(client, job_id), RUN_TIMEOUT_S, interval_s=0.2, message="a run of the job")
    run = runs[0]
    assert isinstance(run.output, HttpOutput) and run.output.status_code == 200 and run.success
    assert run.output.job_id == job_id and run.scheduled is not None
    everything = list_results.sync(client=client)
    assert isinstance(everything, RunsEnvelope)
    assert run.run_id in {r.run_id for r in everything.result}
    starts = [r.start for r in everything.result]
    assert starts == sorted(starts, reverse=True)

    deleted = delete_job.sync(job_id, client=client)
    assert deleted is not None and not isinstance(deleted, ErrorEnvelope) and deleted.result == 1
    for gone in (
        get_job.sync_detailed(job_id, client=client),
        job_results.sync_detailed(job_id, client=client),
        delete_job.sync_detailed(job_id, client=client),
    ):
        assert job_id in _error(gone, 404).msg


def test_task_submitted_and_awaited(client: AuthenticatedClient) -> None:
    task_id = _submit(client, {"name": "tz", "command": "echo $TZ; echo warn >&2"})
    task = _await(client, task_id)
    assert task.status == "SUCCESS" and task.task_id == task_id and task.children == []
    assert task.result is not None and isinstance(task.result.output, CommandOutput)
    assert task.result.output.stdout == "Europe/Berlin\n" and task.result.output.stderr == "warn\n"
    assert task.result.output.job_id is None and task.traceback is None


def test_failing_task_retries_then_fails(client: AuthenticatedClient) -> None:
    quick = {"initial_s": 0.1, "max_s": 0.2}
    task = _await(
        client, _submit(client, {"name": "bad", "command": "exit 3", "retries": 1, "retry_backoff": quick})
    )
    assert task.status == "FAILURE"
    assert task.result is not None and isinstance(task.result.output, CommandOutput)
    assert task.result.output.exit_code == 3 and not task.result.success
    assert task.result.attempt == 2 and [a.exit_code for a in task.result.attempts] == [3]


def test_a_running_task_and_run_aborted(client: AuthenticatedClient) -> None:
    task_id = _submit(client, {"name": "long", "command": "sleep 61.95"})
    wait_for(lambda: _task_status(client, task_id) == "STARTED", TASK_TIMEOUT_S, message="the task to start")
    asked = abort_task.sync(task_id, client=client)
    assert asked is not None and not isinstance(asked, ErrorEnvelope) and asked.result.status == "aborting"
    wait_for(lambda: _task_status(client, task_id) == "REVOKED", TASK_TIMEOUT_S, message="the task revoked")
    spec = JobSpec.from_dict({"name": "long", "schedule": "@yearly", "command": "sleep 61.96"})
    created = create_job.sync(client=client, body=spec)
    assert created is not None and not isinstance(created, ErrorEnvelope)
    started = run_job.sync(created.result, client=client)
    assert started is not None and not isinstance(started, ErrorEnvelope)
    wait_for(
        lambda: abort_run.sync(started.result.run_id, client=client), TASK_TIMEOUT_S, message="the abort"
    )
    ended = wait_for(lambda: _ended(client, created.result), TASK_TIMEOUT_S, message="the run aborted")
    assert ended.status == "aborted" and ended.reason == "aborted by env"


def _task_status(client: AuthenticatedClient, task_id: str) -> str:
    answer = get_task.sync(task_id, client=client)
    assert answer is not None and not isinstance(answer, ErrorEnvelope), answer
    return str(answer.result.status)


def _ended(client: AuthenticatedClient, job_id: str) -> Any:
    answer = job_results.sync(job_id, client=client)
    assert answer is not None and not isinstance(answer, ErrorEnvelope)
    return answer.result[0] if answer.result else None


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_no_or_wrong_token_is_401(live: Live, token: str | None) -> None:
    # Without a token, the plain Client: it sends no Authorization header at all.
    url = live.url
    stranger: Any = Client(base_url=url) if token is None else AuthenticatedClient(base_url=url, token=token)
    with stranger:
        for response in (
            list_jobs.sync_detailed(client=stranger),
            list_results.sync_detailed(client=stranger),
            get_job.sync_detailed("Hh3tS0Q2mXbGz7Lk", client=stranger),
            job_results.sync_detailed("Hh3tS0Q2mXbGz7Lk", client=stranger),
            delete_job.sync_detailed("Hh3tS0Q2mXbGz7Lk", client=stranger),
            create_job.sync_detailed(client=stranger, body=DAILY),
            create_task.sync_detailed(client=stranger, body=TaskSpec(name="n", command="true")),
            get_task.sync_detailed("3f1d7c9e-5b8a-4c2e-9f0a-1b2c3d4e5f60", client=stranger),
        ):
            assert "token" in _error(response, 401).msg
            assert response.headers["WWW-Authenticate"] == "Bearer"


def test_invalid_requests_are_422_with_each_field(client: AuthenticatedClient) -> None:
    bad_schedule = JobSpec(name="n", schedule="61 * * * *", command="true")
    error = _error(create_job.sync_detailed(client=client, body=bad_schedule), 422)
    assert error.result is not None and "61" in error.result["schedule"]  # the field to blame
    mars = JobSpec(name="n", schedule="@daily", command="true", timezone="Mars/Olympus")
    error = _error(create_job.sync_detailed(client=client, body=mars), 422)
    assert error.result is not None and "Mars/Olympus" in error.result["timezone"]
    error = _error(create_task.sync_detailed(client=client, body=TaskSpec(name="", command="true")), 422)
    assert error.result is not None and set(error.result.to_dict()) == {"name"}
    error = _error(get_job.sync_detailed("not-an-id", client=client), 422)
    assert error.result is not None and set(error.result.to_dict()) == {"job_id"}


def test_unknown_ids_are_404(client: AuthenticatedClient) -> None:
    assert "no job" in _error(get_job.sync_detailed("nosuchjob0000000", client=client), 404).msg
    unknown_task = "3f1d7c9e-5b8a-4c2e-9f0a-1b2c3d4e5f60"
    assert "no task" in _error(get_task.sync_detailed(unknown_task, client=client), 404).msg


def test_body_over_the_limit_is_413(client: AuthenticatedClient) -> None:
    huge = TaskSpec(name="n" * (1024 * 1024 + 1), command="true")
    assert "too large" in _error(create_task.sync_detailed(client=client, body=huge), 413).msg


def test_commands_refused_by_the_cluster_are_403(live: Live) -> None:
    port = free_port()
    live.cluster.service(
        "api", "--host", "127.0.0.1", "--port", str(port), env={"UNICRON_ALLOW_COMMANDS": "false"}
    )
    with AuthenticatedClient(base_url=f"http://127.0.0.1:{port}", token=live.token) as closed:
        wait_for(lambda: _ready(closed), 20, message="the second API")
        for response in (
            create_job.sync_detailed(client=closed, body=DAILY),
            create_task.sync_detailed(client=closed, body=TaskSpec(name="n", command="true")),
        ):
            assert "UNICRON_ALLOW_COMMANDS" in _error(response, 403).msg


def test_redis_unreachable_is_503(live: Live) -> None:
    port = free_port()
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    live.cluster.service("api", "--host", "127.0.0.1", "--port", str(port), env={"REDIS_URL": dead_redis})
    with AuthenticatedClient(base_url=f"http://127.0.0.1:{port}", token=live.token) as stranded:
        wait_for(lambda: _alive(stranded), 20, message="the API without Redis")
        for response in (
            list_jobs.sync_detailed(client=stranded),
            create_task.sync_detailed(client=stranded, body=TaskSpec(name="n", command="true")),
            readyz.sync_detailed(client=stranded),
        ):
            assert "Redis" in _error(response, 503).msg
            assert response.headers["Retry-After"] == "1"


def _submit(client: AuthenticatedClient, payload: dict[str, Any]) -> str:
    created = create_task.sync(client=client, body=TaskSpec.from_dict(payload))
    assert created is not None and not isinstance(created, ErrorEnvelope), created
    return created.result


def _await(client: AuthenticatedClient, task_id: str) -> TaskView:
    def finished() -> TaskView | None:
        answer = get_task.sync(task_id, client=client)
        assert answer is not None and not isinstance(answer, ErrorEnvelope), answer
        return answer.result if answer.result.status in ("SUCCESS", "FAILURE") else None

    return wait_for(finished, TASK_TIMEOUT_S, interval_s=0.1, message=f"task {task_id} to finish")


def _runs(client: AuthenticatedClient, job_id: str) -> list[Any] | None:
    answer = job_results.sync(job_id, client=client)
    assert isinstance(answer, RunsEnvelope), answer
    return answer.result or None


def _ready(client: AuthenticatedClient) -> bool:
    try:
        return readyz.sync_detailed(client=client).status_code == 200
    except httpx.TransportError:
        return False


def _alive(client: AuthenticatedClient) -> bool:
    try:
        return healthz.sync_detailed(client=client).status_code == 200
    except httpx.TransportError:
        return False


def test_api_keys_through_the_client(live: Live, client: AuthenticatedClient) -> None:
    made = create_token.sync_detailed(client=client, body=KeyRequest(name="client-ci", scopes=["jobs:read"]))
    assert made.status_code == 201
    assert isinstance(made.parsed, NewKeyEnvelope)
    key = made.parsed.result.token
    listed = list_tokens.sync_detailed(client=client).parsed
    assert isinstance(listed, KeysEnvelope)
    assert [k.name for k in listed.result] == ["client-ci"]
    with AuthenticatedClient(base_url=live.url, token=key) as narrow:
        assert list_jobs.sync_detailed(client=narrow).status_code == 200
        refused = create_job.sync_detailed(
            client=narrow, body=JobSpec(name="n", schedule="@daily", http_url="http://example.test/")
        )
        assert refused.status_code == 403
    assert revoke_token.sync_detailed(name="client-ci", client=client).status_code == 200
    assert revoke_token.sync_detailed(name="client-ci", client=client).status_code == 404


def test_schedule_preview(client: AuthenticatedClient) -> None:
    body = SchedulePreview(
        schedule="30 2 * * *", timezone="Europe/Berlin", count=2, after="2026-03-28T12:00:00"
    )
    answer = preview_schedule.sync(client=client, body=body)
    assert isinstance(answer, ScheduleTimesEnvelope), answer
    assert [t.iso for t in answer.result.times] == ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]
    assert answer.result.description.startswith("at 02:30 every day, Europe/Berlin; on spring-forward days")
    refused = _error(
        preview_schedule.sync_detailed(client=client, body=SchedulePreview(schedule="61 * * * *")), 422
    )
    assert refused.result is not None and "minute 61" in refused.result.to_dict()["schedule"]


def test_every_operation_is_exercised_here() -> None:
    # Keep this file honest: a new operation needs a test above.
    import unicron_client.api as api_package  # noqa: PLC0415

    modules = {path.stem for path in Path(api_package.__file__).parent.rglob("[!_]*.py")}
    here = Path(__file__).parent
    source = "".join(
        path.read_text() for path in (here / "test_client_end_to_end.py", here / "test_client_lifecycle.py")
    )
    assert {m for m in modules if f"{m}.sync" not in source} == set()


def test_the_client_readme_example_runs(live: Live, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).resolve().parents[2] / "clients" / "python" / "README.md").read_text()
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    example = example.replace('"http://127.0.0.1:8185"', repr(live.url))
    example = example.replace('"<a token from UNICRON_API_TOKENS>"', repr(live.token))
    exec(compile(example, "clients/python/README.md", "exec"), {})  # noqa: S102 - our own README
    out = capsys.readouterr().out
    assert "{'X-Token': '***'}" in out and "SUCCESS" in out
