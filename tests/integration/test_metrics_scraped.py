"""The API's and the workers' metrics, scraped from real processes on their own ports."""

from __future__ import annotations

import socket

import httpx

from unicron_testkit.cluster import Cluster
from unicron_testkit.ports import free_port
from unicron_testkit.waiting import wait_for

LOOPBACK = {"UNICRON_METRICS_ADDR": "127.0.0.1"}


def scrape(port: int) -> str:
    """The text of ``/metrics`` on ``port``, or "" while nothing answers there yet."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
    except httpx.TransportError:
        return ""
    return response.text if response.status_code == 200 else ""


def scraped(port: int, wanted: str) -> str:
    """The text of ``/metrics`` on ``port`` once it holds ``wanted``."""

    def holding() -> str | None:
        text = scrape(port)
        return text if wanted in text else None

    return wait_for(holding, 30, f"{wanted} on {port}")


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive loopback ports that were free a moment ago."""

    def run_of_free() -> int | None:
        first = free_port()
        for port in range(first, first + count):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    return None
        return first

    return wait_for(run_of_free, 5, message=f"{count} free ports in a row")


def test_the_api_serves_requests_by_route_template_and_the_queue_depth(cluster: Cluster) -> None:
    port = free_port()
    api = cluster.start_api(UNICRON_METRICS_PORT=str(port), **LOOPBACK)
    for job_id in ("A" * 16, "B" * 16):
        assert api.get(f"/api/job/{job_id}").status_code == 404
    cluster.post("/api/async/", {"name": "waits", "command": "true"})  # no worker: it stays queued

    wanted = 'unicron_api_requests_total{method="GET",route="/api/job/{job_id}",status="404"} 2.0'
    text = scraped(port, wanted)
    assert 'unicron_queue_depth{queue="unicron"} 1.0' in text
    assert "unicron_api_request_duration_seconds_bucket" in text
    assert "A" * 16 not in text
    assert api.get("/metrics").status_code == 404  # never on the API's own port


def test_each_worker_process_serves_its_own_metrics(cluster: Cluster) -> None:
    base = free_ports(2)
    cluster.start_api()
    cluster.service("worker", "--processes", "2", env={"UNICRON_METRICS_PORT": str(base), **LOOPBACK})
    for port in (base, base + 1):
        text = scraped(port, 'unicron_worker_runs_total{kind="http",status="success",trigger="schedule"} 0.0')
        assert 'unicron_worker_notifications_total{channel="email",outcome="failed"} 0.0' in text

    task_id = cluster.post("/api/async/", {"name": "busy", "command": "sleep 2.37"})
    cluster.wait_task(task_id, done=("STARTED",))
    wait_for(
        lambda: any("unicron_worker_runs_in_flight 1.0" in scrape(p) for p in (base, base + 1)),
        10,
        message="a worker to count its run in flight",
    )
    # Seen: aborted, so that the worker does not wait for it to end as it stops (~2.4 s).
    assert cluster.api is not None
    assert cluster.api.post(f"/api/async/{task_id}/abort").json()["result"] == {"status": "aborting"}
