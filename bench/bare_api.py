"""The API scenario's peer: a bare FastAPI app that enqueues with RQ, written the natural way.

``REDIS_URL=... python bench/bare_api.py --port P``: one uvicorn worker, no access log (as
``unicron api`` runs without DEBUG), uvicorn's defaults otherwise (uvloop and httptools, the
``uvicorn[standard]`` extras both apps have). Each route validates a pydantic body, calls
``Queue.enqueue`` with a function's dotted name and the body's fields, and answers the RQ job id:
what Unicron's ``POST /api/async/`` and ``POST /api/job/`` do at their core, without the key,
the rate limit, the egress guard, encryption or a schedule.
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from redis import Redis
from rq import Queue


class Task(BaseModel):
    name: str
    http_url: str
    http_method: str = "get"
    http_headers: dict[str, str] = {}
    retries: int = 0


class Job(Task):
    schedule: str


def run_task(**fields: object) -> None:
    """What a worker would run for a task (no worker runs in the bench)."""


def run_job(**fields: object) -> None:
    """What a worker would run for a job."""


def create_app(redis_url: str) -> FastAPI:
    app = FastAPI()
    queue = Queue("bench", connection=Redis.from_url(redis_url))

    @app.post("/api/async/", status_code=201)
    def create_task(task: Task) -> dict[str, str]:
        return {"id": queue.enqueue("bare_api.run_task", **task.model_dump()).id}

    @app.post("/api/job/", status_code=201)
    def create_job(job: Job) -> dict[str, str]:
        return {"id": queue.enqueue("bare_api.run_job", **job.model_dump()).id}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(os.environ["REDIS_URL"])
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False, server_header=False)


if __name__ == "__main__":
    main()
