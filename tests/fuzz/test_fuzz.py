"""Schemathesis against a live ``unicron api``: every operation, with the valid key and with none.

Pass: no server error (a 5xx other than the documented 503), every answer conforms to the committed
openapi.json (status, content type, headers, body), every secured operation refuses a request without
the valid key (401), unsupported methods get 405 with Allow, a deleted job is gone. `make test` runs a
few examples per operation (``UNICRON_FUZZ_EXAMPLES``, default 25) from a fixed seed, so that a gate
does not pass or fail by chance; `make fuzz` runs 500 from a new seed each time (``UNICRON_FUZZ_SEED``
set to ``random``; the summary prints the seed a failure reproduces with).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from unicron_testkit.cluster import TOKEN

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EXAMPLES = int(os.environ.get("UNICRON_FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("UNICRON_FUZZ_SEED", "20261206")
RUN_TIMEOUT_S = 110 if EXAMPLES <= 50 else 3000  # bounded in `make test`; `make fuzz` may take minutes
# Operations that take nothing at all (no parameter, body or key): one distinct request exists.
NO_INPUT = {"GET /api/", "GET /healthz", "GET /readyz"}
# Requests each operation with input gets at least. Schemathesis stops an operation early once it
# draws nothing new: DELETE /api/job/{job_id}, whose one input is an id, once got 24 of 25 examples,
# and 47 of 200. So the floor is 20, enough to say the operation was fuzzed, not every example.
AT_LEAST = min(EXAMPLES, 20)
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _fuzz(api: httpx.Client, tmp_path: Path, title: str, *args: str) -> dict[str, dict[str, int]]:
    """Runs ``st run`` against ``api``; returns the requests sent, by operation and status code."""
    tally = tmp_path / "tally.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(HERE),
        "SCHEMATHESIS_HOOKS": "hooks",
        "UNICRON_FUZZ_TOKEN": TOKEN,
        "UNICRON_FUZZ_TALLY": str(tally),
    }
    st = Path(sys.executable).with_name("st")
    command = [str(st), "--no-color", "--config-file", str(HERE / "schemathesis.toml"), "run"]
    command += [str(ROOT / "openapi.json"), "--url", str(api.base_url).rstrip("/")]
    command += ["--max-examples", str(EXAMPLES), "--report-dir", str(tmp_path / "report"), *args]
    command += [] if SEED == "random" else ["--seed", SEED]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    assert done.returncode == 0, done.stdout[-12_000:] + done.stderr[-4000:]
    counts: dict[str, dict[str, int]] = json.loads(tally.read_text())
    _report(title, done.stdout[done.stdout.find("=== SUMMARY") :], counts)
    return counts


def _report(title: str, summary: str, tally: dict[str, dict[str, int]]) -> None:
    lines = [f"\nschemathesis {title}, {EXAMPLES} examples per operation:"]
    for operation, codes in tally.items():
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(codes.items()))
        lines.append(f"  {operation:<30} {sum(codes.values()):>6} requests  ({statuses})")
    lines += [line for line in summary.splitlines() if line.strip() and not line.startswith("===")]
    print("\n".join(lines))


def test_with_the_key(live_api: httpx.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        tally = _fuzz(live_api, tmp_path, "with the key", "-H", f"Authorization: Bearer {TOKEN}")
    assert set(tally) == _operations()
    for operation in _operations(with_input=True):
        assert sum(tally[operation].values()) >= AT_LEAST, (operation, tally[operation])
    # Jobs and tasks were created (the examples, at least), and their listings still conform.
    assert tally["POST /api/job/"].get("201") and tally["POST /api/async/"].get("201")
    _listings_conform(live_api)


def test_without_a_key(live_api: httpx.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        tally = _fuzz(live_api, tmp_path, "without a key", "--phases", "examples,coverage,fuzzing")
    secured = {op for op in _operations() if op not in NO_INPUT}
    for operation in secured:
        assert set(tally[operation]) <= {"401", "405", "413"}, (operation, tally[operation])
        assert tally[operation].get("401"), operation
        # Operations with some input got the examples asked for: random keys at least.
        assert sum(tally[operation].values()) >= AT_LEAST, (operation, tally[operation])


def _listings_conform(api: httpx.Client) -> None:
    """Every job and run the fuzzer left behind still makes a listing that conforms to the contract."""
    schema = schemathesis.openapi.from_path(ROOT / "openapi.json")
    for path in ("/api/job/", "/api/job/result"):
        case = schema[path]["GET"].Case()
        response = api.get(path)
        assert response.status_code == 200, response.text
        case.validate_response(response, checks=CONFORMANCE)


def _operations(*, with_input: bool = False) -> set[str]:
    """Every operation in the contract; ``with_input``: those with a parameter or a body."""
    spec: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())
    return {
        f"{method.upper()} {path}"
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if not with_input or op.get("parameters") or op.get("requestBody")
    }
