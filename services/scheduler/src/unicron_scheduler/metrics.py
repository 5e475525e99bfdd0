"""The scheduler's Prometheus metrics, served on their own port when ``UNICRON_METRICS_PORT`` is set."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

# Due-to-enqueue lag: milliseconds matter at the low end, minutes after an outage at the high end.
LAG_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class Metrics:
    """Counters of one scheduler process, in their own registry (tests create several)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.fires = Counter("unicron_scheduler_fires", "Fires enqueued by this node", registry=r)
        self.lag = Histogram(
            "unicron_scheduler_fire_lag_seconds", "Due time to enqueue", buckets=LAG_BUCKETS_S, registry=r
        )
        self.suppressed = Counter(
            "unicron_scheduler_duplicates_suppressed",
            "Repeated fires refused by a marker or RQ id",
            registry=r,
        )
        self.missed = Counter(
            "unicron_scheduler_missed_fires", "Fires older than the misfire grace", registry=r
        )
        self.leader_changes = Counter(
            "unicron_scheduler_leader_changes", "Times this node took the lease", registry=r
        )
        self.retries = Counter(
            "unicron_scheduler_retries_queued", "Next attempts of failed runs queued when due", registry=r
        )
        self.is_leader = Gauge("unicron_scheduler_is_leader", "1 while this node leads", registry=r)

    def serve(self, port: int, addr: str = "0.0.0.0") -> None:  # noqa: S104 - scraped from other hosts
        """Serves ``/metrics`` on ``port`` from a daemon thread."""
        start_http_server(port, addr=addr, registry=self.registry)
