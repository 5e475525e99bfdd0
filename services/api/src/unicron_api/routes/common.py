"""What every route module shares: registration with and without the trailing slash, the routers,
the path segments, the store and settings of the app, the caller, and the egress check of a
definition's URLs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from unicron_api.auth import SCOPE_KEY, require_token
from unicron_api.routing import SecuredRoute
from unicron_core.apikeys import Principal, Scope
from unicron_core.egress import EgressGuard
from unicron_core.errors import EgressRefused, NotFound
from unicron_core.examples import EXAMPLE_JOB_ID, EXAMPLE_TASK_ID
from unicron_core.models import (
    JOB_ID_DESCRIPTION,
    JOB_ID_PATTERN,
    TASK_ID_DESCRIPTION,
    TASK_ID_PATTERN,
    RunSpec,
)
from unicron_core.records import JobRecord
from unicron_core.settings import Settings
from unicron_core.store import AsyncStore


class _Text(Convertor[str]):
    """A path segment taken as it is."""

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class _JobSegment(_Text):
    """The path segment of a job's id: any segment but ``result``, which names the runs listing, so
    that ``DELETE /api/job/result`` is a 405 (GET only) rather than a job id failing its pattern."""

    regex = "(?!result/?$)[^/]+"


class _JobName(_Text):
    """A job's name, the rest of the path: any text, slashes and line breaks included (a route that
    did not match would answer 404 before the key is checked)."""

    regex = "(?s:.+)"


register_url_convertor("job_id", _JobSegment())
register_url_convertor("job_name", _JobName())

# The ids routes take in their paths: the one definition of each (``unicron_core.models``).
JobId = Annotated[
    str, Path(pattern=JOB_ID_PATTERN, description=JOB_ID_DESCRIPTION, examples=[EXAMPLE_JOB_ID])
]
TaskId = Annotated[
    str, Path(pattern=TASK_ID_PATTERN, description=TASK_ID_DESCRIPTION, examples=[EXAMPLE_TASK_ID])
]


def secured_router() -> APIRouter:
    """A router of ``/api`` routes that need an API key, checked before the body is read."""
    return APIRouter(prefix="/api", dependencies=[Depends(require_token)], route_class=SecuredRoute)


# The two submissions (POST /api/job/, /api/async/), the hot path: their router is matched first, as
# each route tried before the match costs ~30,000 instructions with FastAPI's included routers.
submissions = secured_router()


def both(
    router: APIRouter, method: str, path: str, scope: Scope | None = None, **kwargs: Any
) -> Callable[[Any], Any]:
    """Registers ``path`` as given and with the trailing slash toggled (the latter not in the schema);
    ``scope`` is the API key scope the route needs, named in the contract as ``x-unicron-scope``."""
    if scope is not None:
        kwargs["openapi_extra"] = {SCOPE_KEY: scope.value}

    def register(func: Any) -> Any:
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        router.add_api_route(path, func, methods=[method], **kwargs)
        toggled = {k: v for k, v in kwargs.items() if k != "operation_id"}
        router.add_api_route(other, func, methods=[method], include_in_schema=False, **toggled)
        return func

    return register


# Read off the app, not through dependencies: each dependency costs FastAPI a resolution per
# request (6 % of a job submission's instructions, measured).
def store_of(request: Request) -> AsyncStore:
    """The app's store."""
    store: AsyncStore = request.app.state.store
    return store


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def principal(request: Request) -> Principal:
    """Who is calling (``SecuredRoute`` has checked the key)."""
    caller: Principal = request.state.principal
    return caller


async def _store(request: Request) -> AsyncStore:  # async: a sync dependency costs a thread hop
    return store_of(request)


StoreDep = Annotated[AsyncStore, Depends(_store)]


def ip_of(request: Request) -> str | None:
    """The caller's address, as the audit log records it."""
    return request.client.host if request.client is not None else None


async def check_egress(spec: RunSpec, request: Request) -> None:
    """The definition's URLs must pass the egress guard (in the thread pool when that asks DNS,
    never on the event loop). The worker checks again at run time, and pins the addresses.

    Raises:
        EgressRefused: naming the field and the rule.
    """
    guard: EgressGuard = request.app.state.egress
    urls = [(field, url) for field in ("http_url", "hook_url") if (url := getattr(spec, field)) is not None]
    if any(guard.resolves(url) for _, url in urls):
        await run_in_threadpool(_check_urls, guard, urls)
    else:
        _check_urls(guard, urls)


def _check_urls(guard: EgressGuard, urls: list[tuple[str, str]]) -> None:
    for field, url in urls:
        try:
            guard.check(url, unresolved_ok=True)
        except EgressRefused as exc:
            raise EgressRefused(str(exc), field=field) from None


async def restore_version(
    request: Request, *, job_id: str, version: int, actor: Principal
) -> tuple[JobRecord, list[str]]:
    """Makes version ``version`` the job's definition again (a new version, or none when it is the
    current one): the job and the fields that changed. The API's route and the dashboard's both.

    Raises:
        NotFound: no such job, or it no longer keeps that version. EgressRefused: as check_egress.
    """
    store = store_of(request)
    earlier = next(
        (v for v in await store.run(store.jobs.versions(job_id=job_id)) if v.version == version), None
    )
    if earlier is None:
        raise NotFound(f"job {job_id} has no version {version} (job_versions lists those kept)")
    await check_egress(earlier.spec, request)
    change = store.jobs.change(
        job_id=job_id, change=lambda _: earlier.spec, actor=actor, ip=ip_of(request), action="job.restore"
    )
    return await store.run(change)
