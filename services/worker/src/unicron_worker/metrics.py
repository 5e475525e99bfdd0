"""A worker process's Prometheus metrics, served on their own port when ``UNICRON_METRICS_PORT`` is
set (docs/architecture.md, "Metrics"); with ``--processes N``, process ``i`` serves on that port + i.

Labels are bounded: a run's status (``success``, ``failure``, ``aborted``, ...), trigger
(``schedule``, ``manual``, ``retry``, ``catchup``) and kind (``http``, ``command``), a notification's
channel (``email``, ``hook``) and outcome (``sent``, ``failed``). Never a job id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from unicron_core.records import RunStatus, Trigger

# A run lasts from milliseconds (an HTTP call) to hours (a command with a long timeout).
DURATION_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
SENT = "sent"
FAILED = "failed"
Kind = Literal["http", "command"]
Channel = Literal["email", "hook"]
AbortCause = Literal["request", "shutdown", "replace"]
# Every label value is known in advance: each series is exported at 0 from the start, so a rate()
# sees a first failure instead of a series appearing (the Prometheus documentation's advice).
ENDED: tuple[RunStatus, ...] = tuple(s for s in get_args(RunStatus) if s not in ("queued", "running"))


class Metrics:
    """What one worker process counts, in its own registry (tests build several in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter(
            "unicron_worker_runs", "Runs ended, by status, trigger and kind",
            ["status", "trigger", "kind"], registry=r,
        )  # fmt: skip
        self.duration = Histogram(
            "unicron_worker_run_duration_seconds", "How long a run ran, by kind",
            ["kind"], buckets=DURATION_BUCKETS_S, registry=r,
        )  # fmt: skip
        self.in_flight = Gauge("unicron_worker_runs_in_flight", "Runs this process is running", registry=r)
        self.retries = Counter(
            "unicron_worker_retries", "Failed attempts scheduled to be tried again", ["kind"], registry=r
        )
        self.aborts = Counter(
            "unicron_worker_aborts", "Runs this process aborted, by cause (request, shutdown, replace)",
            ["cause"], registry=r,
        )  # fmt: skip
        self.notifications = Counter(
            "unicron_worker_notifications", "Alerts and notifications, by channel and outcome",
            ["channel", "outcome"], registry=r,
        )  # fmt: skip
        self._start_at_zero()

    def _start_at_zero(self) -> None:
        for kind in get_args(Kind):
            self.duration.labels(kind=kind)
            self.retries.labels(kind=kind)
            for status in ENDED:
                for trigger in get_args(Trigger):
                    self.runs.labels(status=status, trigger=trigger, kind=kind)
        for cause in get_args(AbortCause):
            self.aborts.labels(cause=cause)
        for channel in get_args(Channel):
            for outcome in (SENT, FAILED):
                self.notifications.labels(channel=channel, outcome=outcome)

    def run_finished(
        self, *, status: RunStatus, trigger: Trigger, kind: Kind, duration_s: float | None
    ) -> None:
        """One run ended (or was recorded without running: ``duration_s`` None, e.g. skipped)."""
        self.runs.labels(status=status, trigger=trigger, kind=kind).inc()
        if duration_s is not None:
            self.duration.labels(kind=kind).observe(max(duration_s, 0.0))

    def retry_scheduled(self, *, kind: Kind) -> None:
        """A failed attempt with attempts left was put on the retry index."""
        self.retries.labels(kind=kind).inc()

    def run_aborted(self, *, cause: AbortCause) -> None:
        """This process aborted a run: on an abort ``request``, at ``shutdown`` after the grace, or
        to ``replace`` it by a newer fire (overlap ``replace``)."""
        self.aborts.labels(cause=cause).inc()

    def notified(self, *, channel: Channel, result: str) -> None:
        """An email or webhook went out (``channel``: ``email`` or ``hook``); ``result`` is what
        ``Notifier.email``/``hook`` answered (``"sent"`` or ``"failed: <reason>"``)."""
        outcome = SENT if result == SENT else FAILED
        self.notifications.labels(channel=channel, outcome=outcome).inc()

    def track_in_flight(self, count: Callable[[], int]) -> None:
        """Reads the runs in flight from ``count`` at each scrape (the engine's own count, so the
        gauge never drifts from it)."""
        self.in_flight.set_function(count)

    def serve(self, port: int, addr: str = "0.0.0.0") -> None:  # noqa: S104 - scraped from other hosts
        """Serves ``/metrics`` on ``port`` from a daemon thread."""
        start_http_server(port, addr=addr, registry=self.registry)
