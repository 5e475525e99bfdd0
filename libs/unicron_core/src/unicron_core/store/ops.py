"""Store operations, written once and run on either Redis client (docs/architecture.md, "The store").

An operation is a generator: it yields a ``Batch`` of Redis calls, is sent their replies, and
returns its result. ``run`` carries it out on the blocking client (scheduler, worker, CLI),
``arun`` on the asyncio one (the API), so the logic, the keys and the decryption live in one place
and only these two loops do I/O. A batch is one round trip: a call alone is sent alone, several
are pipelined, in MULTI/EXEC when the batch is ``atomic``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.client import Pipeline as AsyncPipeline
from redis.client import Pipeline

from unicron_core.store.connections import deadline
from unicron_core.store.scripts import AsyncScripts, Script, Scripts

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Call:
    """One Redis command, by the name of redis-py's method for it (``"hgetall"``)."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def call(method: str, *args: Any, **kwargs: Any) -> Call:
    """``Call(method, args, kwargs)``."""
    return Call(method, args, kwargs)


@dataclass(frozen=True, slots=True)
class ScriptCall:
    """One call of a Lua script (``scripts.Script``)."""

    script: Script
    keys: Sequence[str]
    args: Sequence[Any]


@dataclass(frozen=True, slots=True)
class Batch:
    """Calls sent in one round trip; ``atomic`` wraps them in MULTI/EXEC."""

    calls: Sequence[Call | ScriptCall]
    atomic: bool = False


Op = Generator[Batch, list[Any], T]


def one(item: Call | ScriptCall) -> Batch:
    """A batch of one call."""
    return Batch([item])


def together(first: Op[T], second: Op[U]) -> Op[tuple[T, U]]:
    """Both ops, their batches sent in one round trip while both have one to send (an atomic batch
    goes alone). Each sees only its own replies, in its own order."""
    done_1, value_1 = _step(first, None)
    done_2, value_2 = _step(second, None)
    while not (done_1 and done_2):
        if done_1 or done_2 or value_1.atomic or value_2.atomic:
            if not done_1:
                done_1, value_1 = _step(first, (yield value_1))
            else:
                done_2, value_2 = _step(second, (yield value_2))
            continue
        replies = yield Batch([*value_1.calls, *value_2.calls])
        split = len(value_1.calls)
        done_1, value_1 = _step(first, replies[:split])
        done_2, value_2 = _step(second, replies[split:])
    return value_1, value_2


def run(client: Redis, scripts: Scripts, op: Op[T]) -> T:
    """Carries out ``op`` on the blocking client."""
    return _carry_on(client, scripts, op, None)


def _carry_on(client: Redis, scripts: Scripts, op: Op[T], replies: list[Any] | None) -> T:
    while True:
        done, value = _step(op, replies)
        if done:
            return cast(T, value)
        replies = send(client, scripts, value)


def _step(op: Op[T], replies: list[Any] | None) -> tuple[bool, Any]:
    """Runs ``op`` to its next batch (done: False) or its result (done: True). ``None`` starts it."""
    try:
        return False, op.send(replies)  # type: ignore[arg-type]  # None starts a generator
    except StopIteration as done:
        return True, done.value


def send(client: Redis, scripts: Scripts, batch: Batch) -> list[Any]:
    """The replies to ``batch``, in one round trip on the blocking client."""
    if len(batch.calls) == 1 and not batch.atomic:
        return [_issue(client, scripts, batch.calls[0])]
    with client.pipeline(transaction=batch.atomic) as pipe:
        queue(pipe, scripts, batch)
        return pipe.execute()


def queue(pipe: Pipeline, scripts: Scripts, batch: Batch) -> None:
    """Puts ``batch``'s calls on a pipeline of the caller's (the worker's own round trips)."""
    for item in batch.calls:
        _issue(pipe, scripts, item)


def _issue(client: Redis, scripts: Scripts, item: Call | ScriptCall) -> Any:
    if isinstance(item, ScriptCall):
        return scripts[item.script](keys=item.keys, args=item.args, client=client)
    method: Callable[..., Any] = getattr(client, item.method)
    return method(*item.args, **item.kwargs)


async def arun(client: AsyncRedis, scripts: AsyncScripts, op: Op[T], *, offload: bool = False) -> T:
    """Carries out ``op`` on the asyncio client, each round trip bounded by ``deadline``. With
    ``offload``, the op's own work (decrypting thousands of records) runs in a thread, so the
    event loop keeps serving other requests meanwhile."""
    replies: list[Any] | None = None
    while True:
        done, value = await asyncio.to_thread(_step, op, replies) if offload else _step(op, replies)
        if done:
            return cast(T, value)
        async with deadline():
            replies = await _asend(client, scripts, value)


async def _asend(client: AsyncRedis, scripts: AsyncScripts, batch: Batch) -> list[Any]:
    if len(batch.calls) == 1 and not batch.atomic:
        return [await _aissue(client, scripts, batch.calls[0])]
    async with client.pipeline(transaction=batch.atomic) as pipe:
        for item in batch.calls:
            await _aissue(pipe, scripts, item)
        return await pipe.execute()


async def _aissue(client: AsyncRedis | AsyncPipeline, scripts: AsyncScripts, item: Call | ScriptCall) -> Any:
    if isinstance(item, ScriptCall):
        return await scripts[item.script](keys=item.keys, args=item.args, client=client)
    method: Callable[..., Any] = getattr(client, item.method)
    reply = method(*item.args, **item.kwargs)
    return reply if isinstance(client, AsyncPipeline) else await reply
