"""The original Unicron's routes, on the new stack. Paths answer with and without a trailing slash.

Each route returns its own envelope type: FastAPI documents it as the answer's schema, and the
operation ids, summaries and error answers here are the contract the Python client is generated from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from unicron_api.auth import SCOPE_KEY, require_token
from unicron_api.contract import SECURED, WITH_BODY, WITH_ID, errors, links
from unicron_api.envelope import (
    DeletedEnvelope,
    JobEnvelope,
    JobIdEnvelope,
    JobsEnvelope,
    KeyRequest,
    KeysEnvelope,
    KeyView,
    NewKey,
    NewKeyEnvelope,
    RunsEnvelope,
    TaskEnvelope,
    TaskIdEnvelope,
    TextEnvelope,
)
from unicron_api.routing import SecuredRoute
from unicron_core import cron
from unicron_core.apikeys import ApiKeys, Principal, Scope, parse_scopes
from unicron_core.egress import EgressGuard
from unicron_core.errors import EgressRefused, Forbidden, InvalidSpec
from unicron_core.models import EXAMPLE_JOB_ID, EXAMPLE_TASK_ID, JobSpec, JobView, TaskSpec, TaskView
from unicron_core.settings import Settings
from unicron_core.store import Store

JobId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9]{1,64}$",
        description="a job id: 16 characters [A-Za-z0-9]",
        examples=[EXAMPLE_JOB_ID],
    ),
]
TaskId = Annotated[
    str, Path(pattern=r"^[0-9a-fA-F-]{1,64}$", description="a task id: a UUID", examples=[EXAMPLE_TASK_ID])
]

public = APIRouter(prefix="/api")
router = APIRouter(prefix="/api", dependencies=[Depends(require_token)], route_class=SecuredRoute)


def _both(
    router_: APIRouter, method: str, path: str, scope: Scope | None = None, **kwargs: Any
) -> Callable[[Any], Any]:
    """Registers ``path`` as given and with the trailing slash toggled (the latter not in the schema);
    ``scope`` is the API key scope the route needs, named in the contract as ``x-unicron-scope``."""
    if scope is not None:
        kwargs["openapi_extra"] = {SCOPE_KEY: scope.value}

    def register(func: Any) -> Any:
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        router_.add_api_route(path, func, methods=[method], **kwargs)
        router_.add_api_route(
            other,
            func,
            methods=[method],
            include_in_schema=False,
            **{k: v for k, v in kwargs.items() if k != "operation_id"},
        )
        return func

    return register


# Dependencies that do no I/O are ``async``: FastAPI runs a sync one in the thread pool, a hop each.
async def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def _hot(request: Request) -> tuple[Store, Settings]:
    """The store and settings of the two submission routes, read off the app: each dependency costs
    FastAPI a resolution per request (6 % of a job submission's instructions, measured)."""
    state = request.app.state
    return state.store, state.settings


def _principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


async def _check_allowed(spec: TaskSpec | JobSpec, request: Request) -> None:
    """Commands need the cluster setting and the key's scope; URLs must pass the egress guard (in
    the thread pool when that asks DNS, never on the event loop)."""
    settings: Settings = request.app.state.settings
    if spec.command is not None and not settings.allow_commands:
        raise Forbidden(
            "shell commands are disabled on this cluster (set UNICRON_ALLOW_COMMANDS=true to allow)"
        )
    if spec.command is not None and not _principal(request).may(Scope.COMMANDS):
        raise Forbidden("shell commands need an API key with the commands scope")
    guard: EgressGuard = request.app.state.egress
    urls = [(field, url) for field in ("http_url", "hook_url") if (url := getattr(spec, field)) is not None]
    if any(guard.resolves(url) for _, url in urls):
        await run_in_threadpool(_check_urls, guard, urls)
    else:
        _check_urls(guard, urls)


def _check_urls(guard: EgressGuard, urls: list[tuple[str, str]]) -> None:
    for field, url in urls:
        try:
            guard.check(url, unresolved_ok=True)  # the run checks again, and pins
        except EgressRefused as exc:
            raise EgressRefused(f"{field}: {exc}") from None


def _check_interval(spec: JobSpec, settings: Settings) -> None:
    """The cluster's shortest schedule interval (its most jobs: ``Store.create_job``, atomically)."""
    interval_ms = cron.parse(spec.schedule, spec.timezone or settings.tz).min_interval_ms
    if interval_ms < settings.min_interval_s * 1000:
        raise InvalidSpec(
            f"schedule: it can fire every {interval_ms / 1000:g} s; this cluster allows at most one fire "
            f"every {settings.min_interval_s} s (UNICRON_MIN_INTERVAL)"
        )


@_both(
    public,
    "GET",
    "/",
    operation_id="version",
    tags=["meta"],
    summary="Name and version",
    responses=errors(429),
)
def version(request: Request) -> TextEnvelope:
    """The service's name and version, `Unicron v<version>`. Needs no token."""
    return TextEnvelope.ok(f"Unicron v{request.app.version}")


@_both(
    router,
    "POST",
    "/job/",
    operation_id="create_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Register a job",
    status_code=201,
    responses={
        **errors(*SECURED, *WITH_BODY),
        201: {"links": links("job_id", "get_job", "job_results", "delete_job")},
    },
)
async def create_job(spec: JobSpec, request: Request) -> JobIdEnvelope:
    """Registers a job: a schedule plus exactly one of `http_url` and `command`. Answers its new id.

    The job fires from the next time its schedule matches, in its `timezone` (default: the
    cluster's `TZ`, stored on the job). Shell commands need `UNICRON_ALLOW_COMMANDS=true` (else 403).
    """
    store, settings = _hot(request)
    await _check_allowed(spec, request)
    if spec.timezone is None:
        spec = spec.model_copy(update={"timezone": settings.tz})
    _check_interval(spec, settings)
    job_id = await store.create_job_async(spec=spec, created_by=_principal(request).name)
    return JobIdEnvelope.ok(job_id, "job created")


@_both(
    router,
    "POST",
    "/async/",
    operation_id="create_task",
    scope=Scope.TASKS_WRITE,
    tags=["tasks"],
    summary="Submit an async task",
    status_code=201,
    responses={**errors(*SECURED, *WITH_BODY), 201: {"links": links("task_id", "get_task")}},
)
async def create_task(spec: TaskSpec, request: Request) -> TaskIdEnvelope:
    """Submits a one-off task; answers its id (a UUID).

    The task runs once, as soon as a worker is free, with `retries` extra attempts if it fails.
    It takes exactly one of `http_url` and `command`. Read its status with get_task.
    """
    store, _ = _hot(request)
    await _check_allowed(spec, request)
    return TaskIdEnvelope.ok(await store.create_task_async(spec=spec), "task submitted")


@_both(
    router,
    "GET",
    "/job/",
    operation_id="list_jobs",
    scope=Scope.JOBS_READ,
    tags=["jobs"],
    summary="List jobs",
    responses=errors(*SECURED),
)
def list_jobs(store: StoreDep) -> JobsEnvelope:
    """Every registered job, by id. Header values are masked (`***`)."""
    return JobsEnvelope.ok({job_id: JobView.of(job) for job_id, job in store.list_jobs().items()})


@_both(
    router,
    "GET",
    "/job/result",
    operation_id="list_results",
    scope=Scope.JOBS_READ,
    tags=["results"],
    summary="All job runs",
    responses=errors(*SECURED),
)
def list_results(store: StoreDep) -> RunsEnvelope:
    """Every job's runs of the retention window (default 24 h), newest first."""
    return RunsEnvelope.ok(store.all_runs())


@_both(
    router,
    "GET",
    "/job/result/{job_id}",
    operation_id="job_results",
    scope=Scope.JOBS_READ,
    tags=["results"],
    summary="A job's runs",
    responses=errors(*SECURED, *WITH_ID),
)
def job_results(job_id: JobId, store: StoreDep) -> RunsEnvelope:
    """One job's runs of the retention window, newest first; 404 for an unknown job.

    At most the newest `UNICRON_MAX_RUNS` (default 100) are kept per job.
    """
    store.get_job(job_id=job_id)  # 404 for an unknown job
    return RunsEnvelope.ok(store.job_runs(job_id=job_id))


@_both(
    router,
    "GET",
    "/job/{job_id}",
    operation_id="get_job",
    scope=Scope.JOBS_READ,
    tags=["jobs"],
    summary="Get a job",
    responses=errors(*SECURED, *WITH_ID),
)
def get_job(job_id: JobId, store: StoreDep) -> JobEnvelope:
    """One job: its schedule, definition (`info`, header values masked), counters and next fire."""
    return JobEnvelope.ok(JobView.of(store.get_job(job_id=job_id)))


@_both(
    router,
    "DELETE",
    "/job/{job_id}",
    operation_id="delete_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Delete a job",
    responses=errors(*SECURED, *WITH_ID),
)
def delete_job(job_id: JobId, store: StoreDep) -> DeletedEnvelope:
    """Deletes a job and its results; answers 1."""
    store.delete_job(job_id=job_id)
    return DeletedEnvelope.ok(1, "job deleted")


@_both(
    router,
    "GET",
    "/async/{task_id}",
    operation_id="get_task",
    scope=Scope.TASKS_WRITE,
    tags=["tasks"],
    summary="Get a task's status",
    responses=errors(*SECURED, *WITH_ID),
)
def get_task(task_id: TaskId, store: StoreDep) -> TaskEnvelope:
    """A task's status (PENDING, STARTED, RETRY, FAILURE, SUCCESS) and, once run, its result.

    Tasks are kept for the retention window (default 24 h), then answer 404.
    """
    return TaskEnvelope.ok(TaskView.of(store.get_task(task_id=task_id)))


@_both(
    router,
    "POST",
    "/admin/token",
    operation_id="create_token",
    scope=Scope.ADMIN,
    tags=["admin"],
    summary="Make an API key",
    status_code=201,
    responses=errors(*SECURED, *WITH_BODY, 409),
)
def create_token(body: KeyRequest, request: Request) -> NewKeyEnvelope:
    """Makes an API key with the given scopes; the answer is the only time the key is shown."""
    api_keys: ApiKeys = request.app.state.api_keys
    scopes = parse_scopes(list(body.scopes))
    token = api_keys.create(name=body.name, scopes=scopes)
    info = next(info for info in api_keys.list() if info.name == body.name)
    return NewKeyEnvelope.ok(
        NewKey(name=info.name, scopes=info.scopes, created=info.created, token=token), "key created"
    )


@_both(
    router,
    "GET",
    "/admin/token",
    operation_id="list_tokens",
    scope=Scope.ADMIN,
    tags=["admin"],
    summary="List API keys",
    responses=errors(*SECURED),
)
def list_tokens(request: Request) -> KeysEnvelope:
    """Every stored API key's name, scopes and creation time; never the keys."""
    api_keys: ApiKeys = request.app.state.api_keys
    return KeysEnvelope.ok(
        [KeyView(name=i.name, scopes=i.scopes, created=i.created) for i in api_keys.list()]
    )


@_both(
    router,
    "DELETE",
    "/admin/token/{name}",
    operation_id="revoke_token",
    scope=Scope.ADMIN,
    tags=["admin"],
    summary="Revoke an API key",
    responses=errors(*SECURED, *WITH_ID),
)
def revoke_token(
    name: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")], request: Request
) -> DeletedEnvelope:
    """Deletes an API key at once; answers 1."""
    api_keys: ApiKeys = request.app.state.api_keys
    api_keys.revoke(name)
    return DeletedEnvelope.ok(1, "key revoked")


health = APIRouter(tags=["health"])


@health.get("/healthz", operation_id="healthz", summary="Liveness probe")
def healthz() -> TextEnvelope:
    """The process is alive: answers `alive`, without looking at Redis."""
    return TextEnvelope.ok("alive")


@health.get("/readyz", operation_id="readyz", summary="Readiness probe", responses=errors(503))
def readyz(request: Request, store: StoreDep) -> TextEnvelope:
    """Redis answers and the cluster key decrypts the canary: answers `ready`, else 503."""
    if not request.app.state.key_verified:
        store.verify_key()
        request.app.state.key_verified = True
    store.ping()
    return TextEnvelope.ok("ready")
