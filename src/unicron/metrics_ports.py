"""The Prometheus ports ``unicron up`` gives its processes (docs/architecture.md, "Metrics").

One run of consecutive ports on loopback: the API's first, then the scheduler's, then one per
worker process (a worker group's process ``i`` serves on its ``UNICRON_METRICS_PORT`` + ``i``).
By default the run starts at the API's port + ``DEFAULT_OFFSET`` (8185: 9185 to 9188 with two
workers), so a laptop's Prometheus can keep one configuration.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

from unicron_core.errors import ConfigError

log = logging.getLogger(__name__)

ADDR = "127.0.0.1"  # `up` is for a laptop: its metrics are for this machine only
DEFAULT_OFFSET = 1000
FREE_RUN_TRIES = 20


@dataclass(frozen=True)
class MetricsPorts:
    """The ports of one ``up``: ``base`` (the API's), ``base + 1`` (the scheduler's), then the workers'."""

    base: int
    workers: int

    @property
    def api(self) -> int:
        return self.base

    @property
    def scheduler(self) -> int:
        return self.base + 1

    @property
    def worker(self) -> int:
        """The first worker process's port; the others follow it."""
        return self.base + 2

    def env(self, service: str) -> dict[str, str]:
        """What ``up`` gives the child running ``service`` (``api``, ``scheduler`` or ``worker``)."""
        port = {"api": self.api, "scheduler": self.scheduler, "worker": self.worker}[service]
        return {"UNICRON_METRICS_PORT": str(port), "UNICRON_METRICS_ADDR": ADDR}

    def describe(self) -> str:
        """The banner's line: where each process's ``/metrics`` is."""
        last = self.worker + self.workers - 1
        workers = f":{self.worker}" if self.workers == 1 else f":{self.worker} to :{last}"
        return f"http://{ADDR}:{self.api}/metrics (API), :{self.scheduler} (scheduler), {workers} (workers)"


def choose(*, api_port: int, asked: int | None, workers: int) -> MetricsPorts | None:
    """The ports for ``up``: ``asked`` (0: none), else the API's port + ``DEFAULT_OFFSET`` when free,
    else a free run the system finds.

    Raises:
        ConfigError: ``asked`` ports are taken or run past 65535.
    """
    if asked == 0:
        return None
    count = 2 + workers
    base = asked if asked is not None else api_port + DEFAULT_OFFSET
    if base + count - 1 <= 65535 and _free(base, count):
        return MetricsPorts(base, workers)
    if asked is not None:
        raise ConfigError(
            f"cannot serve metrics on {ADDR}:{base} to {base + count - 1} (taken, or past 65535): "
            "choose another --metrics-port, or 0 for none"
        )
    for _ in range(FREE_RUN_TRIES):
        found = _system_port()
        if found + count - 1 <= 65535 and _free(found, count):
            log.info("metrics ports %d to %d were taken: using %d onwards", base, base + count - 1, found)
            return MetricsPorts(found, workers)
    raise ConfigError(f"found no {count} free ports in a row for metrics: choose --metrics-port (0: none)")


def _free(base: int, count: int) -> bool:
    return all(_bindable(port) for port in range(base, base + count))


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the exporter's server does
        try:
            sock.bind((ADDR, port))
        except OSError:
            return False
    return True


def _system_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ADDR, 0))
        port: int = sock.getsockname()[1]
    return port
