"""The egress guard at fire time: a refused URL fails the run with the reason; nothing connects."""

from __future__ import annotations

from unicron_testkit.cluster import Cluster
from unicron_testkit.sinks import HttpSink
from unicron_testkit.waiting import wait_for


def test_loopback_target_and_hook_are_refused_at_run_time(cluster: Cluster) -> None:
    with HttpSink() as canary:
        cluster.start_api()
        cluster.service("worker", env={"UNICRON_EGRESS_ALLOW": ""})  # the safe default
        task_id = cluster.post(
            "/api/async/",
            {
                "name": "ssrf",
                "http_url": canary.url + "/admin",
                "hook_url": canary.url + "/hook",
                "http_headers": {"X-Secret": "never-in-an-error"},
            },
        )
        cluster.wait_task(task_id)
        task = wait_for(
            lambda: (t := cluster.get(f"/api/async/{task_id}"))["result"]["notifications"] and t,
            10,
            message="the webhook's outcome",
        )
        assert task["status"] == "FAILURE"
        assert task["result"]["notifications"]["hook"].startswith("failed: refused by the egress guard")
        run = task["result"]
        assert run["error"].startswith(
            "refused by the egress guard: 127.0.0.1 resolves to 127.0.0.1, which is loopback"
        )
        assert run["output"]["status_code"] is None
        assert "never-in-an-error" not in str(task)
        assert canary.requests == []
