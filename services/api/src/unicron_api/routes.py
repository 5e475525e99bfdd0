"""The original Unicron's routes, on the new stack. Paths answer with and without a trailing slash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from unicron_api.auth import require_token
from unicron_api.envelope import Envelope, ok
from unicron_core.errors import Forbidden
from unicron_core.models import JobSpec, TaskSpec
from unicron_core.settings import Settings
from unicron_core.store import Store

JobId = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{1,64}$", description="16 characters [A-Za-z0-9]")]
TaskId = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{1,64}$", description="a UUID")]

public = APIRouter(prefix="/api")
router = APIRouter(prefix="/api", dependencies=[Depends(require_token)])


def _both(router_: APIRouter, method: str, path: str, **kwargs: Any) -> Callable[[Any], Any]:
    """Registers ``path`` as given and with the trailing slash toggled (the latter not in the schema)."""

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


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def _check_allowed(spec: TaskSpec | JobSpec, settings: Settings) -> None:
    if spec.command is not None and not settings.allow_commands:
        raise Forbidden(
            "shell commands are disabled on this cluster (set UNICRON_ALLOW_COMMANDS=true to allow)"
        )


@_both(public, "GET", "/", operation_id="version", tags=["meta"], response_model=Envelope[str])
def version(request: Request) -> dict[str, Any]:
    """The service's name and version."""
    return ok(f"Unicron v{request.app.version}")


@_both(
    router,
    "POST",
    "/job/",
    operation_id="create_job",
    tags=["jobs"],
    status_code=201,
    response_model=Envelope[str],
)
def create_job(spec: JobSpec, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Registers a job; answers its new id."""
    _check_allowed(spec, settings)
    if spec.timezone is None:
        spec = spec.model_copy(update={"timezone": settings.tz})
    return ok(store.create_job(spec=spec), "job created")


@_both(
    router, "GET", "/job/", operation_id="list_jobs", tags=["jobs"], response_model=Envelope[dict[str, Any]]
)
def list_jobs(store: StoreDep) -> dict[str, Any]:
    """Every registered job, by id."""
    return ok({job_id: job.public() for job_id, job in store.list_jobs().items()})


@_both(
    router,
    "GET",
    "/job/result",
    operation_id="list_results",
    tags=["results"],
    response_model=Envelope[list[dict[str, Any]]],
)
def list_results(store: StoreDep) -> dict[str, Any]:
    """All job runs of the retention window, newest first."""
    return ok([run.model_dump() for run in store.all_runs()])


@_both(
    router,
    "GET",
    "/job/result/{job_id}",
    operation_id="job_results",
    tags=["results"],
    response_model=Envelope[list[dict[str, Any]]],
)
def job_results(job_id: JobId, store: StoreDep) -> dict[str, Any]:
    """One job's runs of the retention window, newest first."""
    store.get_job(job_id=job_id)  # 404 for an unknown job
    return ok([run.model_dump() for run in store.job_runs(job_id=job_id)])


@_both(
    router,
    "GET",
    "/job/{job_id}",
    operation_id="get_job",
    tags=["jobs"],
    response_model=Envelope[dict[str, Any]],
)
def get_job(job_id: JobId, store: StoreDep) -> dict[str, Any]:
    """One job."""
    return ok(store.get_job(job_id=job_id).public())


@_both(
    router, "DELETE", "/job/{job_id}", operation_id="delete_job", tags=["jobs"], response_model=Envelope[int]
)
def delete_job(job_id: JobId, store: StoreDep) -> dict[str, Any]:
    """Deletes a job and its results; answers 1."""
    store.delete_job(job_id=job_id)
    return ok(1, "job deleted")


@_both(
    router,
    "POST",
    "/async/",
    operation_id="create_task",
    tags=["tasks"],
    status_code=201,
    response_model=Envelope[str],
)
def create_task(spec: TaskSpec, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Submits a one-off async task; answers its id (a UUID)."""
    _check_allowed(spec, settings)
    return ok(store.create_task(spec=spec), "task submitted")


@_both(
    router,
    "GET",
    "/async/{task_id}",
    operation_id="get_task",
    tags=["tasks"],
    response_model=Envelope[dict[str, Any]],
)
def get_task(task_id: TaskId, store: StoreDep) -> dict[str, Any]:
    """A task's status and, once run, its result."""
    return ok(store.get_task(task_id=task_id).public())


health = APIRouter(tags=["health"])


@health.get("/healthz", operation_id="healthz", response_model=Envelope[str])
def healthz() -> dict[str, Any]:
    """The process is alive."""
    return ok("alive")


@health.get("/readyz", operation_id="readyz", response_model=Envelope[str])
def readyz(request: Request, store: StoreDep) -> Any:
    """Redis answers and the cluster key decrypts the canary."""
    if not request.app.state.key_verified:
        store.verify_key()
        request.app.state.key_verified = True
    store.ping()
    return ok("ready")
