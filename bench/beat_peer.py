"""RedBeat's peer process: a Celery app whose beat sends one task every second, run by the failover
scenario as ``celery -A beat_peer beat -S redbeat.RedBeatScheduler`` with ``PYTHONPATH=bench``.

Broker and RedBeat's store are ``REDIS_URL``; ``beat_max_loop_interval`` is
``BEAT_MAX_LOOP_INTERVAL_S`` (the scenario sets 5 s, the setting RedBeat's published takeover
figure was measured with: RedBeat's lock lives 5 times that, and a standby tries to take it at
that interval).
"""

from __future__ import annotations

import os

from celery import Celery

app = Celery("beat_peer", broker=os.environ["REDIS_URL"])
app.conf.update(
    redbeat_redis_url=os.environ["REDIS_URL"],
    beat_max_loop_interval=int(os.environ["BEAT_MAX_LOOP_INTERVAL_S"]),
    beat_schedule={"tick": {"task": "beat_peer.noop", "schedule": 1.0}},
)


@app.task
def noop() -> None:
    """What each fire names (no worker runs it: sending it is what is measured)."""
