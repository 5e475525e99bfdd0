"""What a worker process's runs need, built once at its start."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from unicron_core.settings import Settings
from unicron_core.store import AsyncStore, Store
from unicron_worker.http_runner import HttpRunner
from unicron_worker.metrics import Metrics
from unicron_worker.notify import Notifier
from unicron_worker.reaper import Reaper
from unicron_worker.shell_runner import Sandbox


@dataclass
class Runtime:
    """What the runs need, built once per worker process: the store on the engine's loop (and a
    blocking one for RQ's callbacks, which run in threads), the runners, the notifier and the
    metrics they count."""

    settings: Settings
    store: AsyncStore
    blocking: Store
    http: HttpRunner
    notifier: Notifier
    sandbox: Sandbox
    commands: asyncio.Semaphore  # commands at once (each waits in a thread of ``threads``)
    threads: ThreadPoolExecutor
    reaper: Reaper  # kills the commands' groups if the process dies
    metrics: Metrics = field(default_factory=Metrics)  # served by main.py when a port is set
    worker: str | None = None  # the worker's name, as `rq info` shows it (set by its engine)
    # Aborts asked for (run key: a job's run id or a task id -> the reason), and the runs whose
    # call or command is under way, by run key: what an abort cancels (``execute``).
    aborting: dict[str, str] = field(default_factory=dict)
    executing: dict[str, asyncio.Task[object]] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, blocking: Store) -> Runtime:
        """Everything from the settings; ``blocking`` is the process's blocking store."""
        return cls(
            settings=settings,
            store=AsyncStore.from_settings(settings),
            blocking=blocking,
            http=HttpRunner(limit_bytes=settings.output_limit_bytes, guard=settings.egress_guard()),
            notifier=Notifier(settings),
            sandbox=Sandbox(
                user=settings.command_user or None,
                cpu_s=settings.command_cpu_s,
                memory_bytes=settings.command_memory_mb << 20,
                processes=settings.command_processes,
                file_bytes=settings.command_file_mb << 20,
            ),
            commands=asyncio.Semaphore(settings.command_concurrency),
            threads=ThreadPoolExecutor(settings.command_concurrency, thread_name_prefix="command"),
            reaper=Reaper(),
        )

    async def aclose(self) -> None:
        """Closes the connections (on the loop that used them) and the command threads."""
        await self.http.aclose()
        self.notifier.close()
        await self.store.aclose()
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.reaper.close()
