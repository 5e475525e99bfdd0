"""Redis going away: the API answers 503; every service recovers without a restart; nothing is lost."""

from __future__ import annotations

import time
from pathlib import Path

from unicron_testkit.cluster import Cluster, cluster_env
from unicron_testkit.procs import Procs
from unicron_testkit.redis import start_redis
from unicron_testkit.waiting import wait_for


def test_redis_stopped_then_back(procs: Procs, tmp_path: Path) -> None:
    redis = start_redis(tmp_path / "redis", appendonly=True)
    try:
        cluster = Cluster(procs=procs, env=cluster_env(redis.url))
        api = cluster.start_api()
        cluster.service("worker")
        cluster.service("scheduler")
        job_id = cluster.post("/api/job/", {"name": "j", "schedule": "* * * * * *", "command": "true"})
        cluster.wait_runs(job_id)

        redis.stop()
        for response in (
            api.get("/api/job/"),
            api.post("/api/async/", json={"name": "t", "command": "true"}),
            api.get("/readyz"),
        ):
            assert response.status_code == 503, response.text
            assert response.json()["success"] is False
            assert "Redis" in response.json()["msg"]
        assert api.get("/healthz").status_code == 200

        redis.start()
        back = time.time()
        wait_for(lambda: api.get("/readyz").status_code == 200, 10, message="the API to recover")
        assert job_id in cluster.get("/api/job/")
        # The scheduler and the worker reconnect on their own: the job fires again.
        wait_for(
            lambda: any(r["start"] > back for r in cluster.get(f"/api/job/result/{job_id}")),
            15,
            message="a run after Redis came back",
        )
        task_id = cluster.post("/api/async/", {"name": "t", "command": "echo back"})
        assert cluster.wait_task(task_id, timeout_s=20)["result"]["output"]["stdout"] == "back\n"
        api.close()
    finally:
        redis.stop()
