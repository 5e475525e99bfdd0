"""The metrics ports `unicron up` gives its processes: one run on loopback, the API's first."""

from __future__ import annotations

import socket

import pytest

from unicron.metrics_ports import ADDR, MetricsPorts, choose
from unicron_core.errors import ConfigError
from unicron_testkit.ports import free_port


def test_ports_follow_the_api_then_the_scheduler_then_each_worker() -> None:
    ports = MetricsPorts(9185, workers=2)
    assert ports.env("api") == {"UNICRON_METRICS_PORT": "9185", "UNICRON_METRICS_ADDR": "127.0.0.1"}
    assert ports.env("scheduler")["UNICRON_METRICS_PORT"] == "9186"
    assert ports.env("worker")["UNICRON_METRICS_PORT"] == "9187"  # its second process: 9188
    assert ports.describe() == (
        "http://127.0.0.1:9185/metrics (API), :9186 (scheduler), :9187 to :9188 (workers)"
    )


def test_zero_turns_them_off() -> None:
    assert choose(api_port=8185, asked=0, workers=2) is None


def test_ports_asked_for_and_taken_stop_up_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind((ADDR, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match="choose another --metrics-port"):
            choose(api_port=8185, asked=port - 1, workers=1)


def test_default_ports_taken_are_replaced_by_free_ones() -> None:
    api_port = free_port()
    with socket.socket() as taken:
        try:
            taken.bind((ADDR, api_port + 1000))
        except OSError:
            pytest.skip("the default port is taken already")
        taken.listen()
        ports = choose(api_port=api_port, asked=None, workers=2)
    assert ports is not None and ports.base != api_port + 1000
