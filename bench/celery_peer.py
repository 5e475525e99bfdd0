"""Celery's peer worker for the slow-calls scenario: ``celery -A celery_peer worker`` with
``PYTHONPATH=bench``, the prefork pool (``-P prefork -c 2``) or the gevent pool (``-P gevent -c
1000``, Celery's answer for I/O-bound tasks, which monkey-patches the standard library).

Broker and result backend are ``REDIS_URL``; the task ``call`` GETs a URL with one keep-alive client
per process, as the RQ peer's and Unicron's workers do, and the result backend marks it done.
"""

from __future__ import annotations

import os

import httpx
from celery import Celery

app = Celery("celery_peer", broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
app.conf.update(
    broker_connection_retry_on_startup=True,
    result_expires=3600,
    worker_hijack_root_logger=False,
)
_client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=None, max_keepalive_connections=1000))


@app.task(name="call")
def call(url: str) -> int:
    """A GET to the target; the status code is the result."""
    return _client.get(url).status_code
