"""The API's metrics, in process: requests by route template and status, the queue's depth read from
the real Redis at scrape time, and a scrape that survives a Redis away."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import generate_latest

from unicron_api.app import create_app
from unicron_api.metrics import Metrics
from unicron_core.settings import Settings
from unicron_testkit.ports import free_port


def _metrics(client: TestClient) -> Metrics:
    metrics: Metrics = client.app.state.metrics  # type: ignore[attr-defined]
    return metrics


def _requests(client: TestClient, **labels: str) -> float:
    return _metrics(client).registry.get_sample_value("unicron_api_requests_total", labels) or 0.0


def test_requests_are_counted_by_route_template_never_by_path(client: TestClient) -> None:
    for job_id in ("a" * 16, "b" * 16, "c" * 16):
        assert client.get(f"/api/job/{job_id}").status_code == 404
    assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/route/here").status_code == 404

    assert _requests(client, method="GET", route="/api/job/{job_id}", status="404") == 3
    assert _requests(client, method="GET", route="/healthz", status="200") == 1
    assert _requests(client, method="GET", route="unmatched", status="404") == 1
    text = generate_latest(_metrics(client).registry).decode()
    assert "a" * 16 not in text and "/no/such" not in text
    count = _metrics(client).registry.get_sample_value(
        "unicron_api_request_duration_seconds_count", {"method": "GET", "route": "/api/job/{job_id}"}
    )
    assert count == 3


def test_an_unauthenticated_request_is_counted_with_its_status(settings: Settings) -> None:
    with TestClient(create_app(settings)) as anonymous:
        assert anonymous.get("/api/job/").status_code == 401
        assert _requests(anonymous, method="GET", route="/api/job/", status="401") == 1


def test_queue_depth_is_read_at_scrape_time(client: TestClient) -> None:
    registry = _metrics(client).registry
    assert registry.get_sample_value("unicron_queue_depth", {"queue": "unicron"}) == 0
    for name in ("one", "two"):  # no worker here: both stay queued
        assert client.post("/api/async/", json={"name": name, "command": "true"}).status_code == 201
    assert registry.get_sample_value("unicron_queue_depth", {"queue": "unicron"}) == 2


def test_a_redis_away_leaves_the_depth_out_not_the_scrape(settings: Settings) -> None:
    away = settings.model_copy(
        update={"redis_url": None, "redis_host": "127.0.0.1", "redis_port": free_port()}
    )
    with TestClient(create_app(away)) as client:
        client.get("/healthz")
        text = generate_latest(_metrics(client).registry).decode()
    assert 'unicron_api_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert "unicron_queue_depth{" not in text
