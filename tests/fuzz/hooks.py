"""Schemathesis hooks for the fuzz runs, loaded by ``st run`` with ``SCHEMATHESIS_HOOKS=hooks``.

- ``refuses_without_key``: a check that every secured operation answers 401 unless the request
  carries the valid key (``UNICRON_FUZZ_TOKEN``).
- A tally of the requests sent, by operation and status code, written as JSON to
  ``UNICRON_FUZZ_TALLY`` when the run ends: the summary ``make fuzz`` prints comes from it.
"""

from __future__ import annotations

import atexit
import json
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import APIOperation, Case, CheckContext, HookContext, Response

# A case of any operation of the schema (schemathesis's own signatures take a bare ``Case``).
AnyCase = Case[APIOperation[Any, Any, Any, Any]]

_TALLY: defaultdict[str, Counter[str]] = defaultdict(Counter)


@schemathesis.check
def refuses_without_key(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """A secured operation answers 401 with ``WWW-Authenticate: Bearer`` unless the key is valid."""
    if not case.operation.definition.raw.get("security"):
        return None
    if case.method.upper() != case.operation.method.upper():
        return None  # the coverage phase tries other methods: routing answers 405 before any auth
    valid = f"Bearer {os.environ['UNICRON_FUZZ_TOKEN']}"
    if response.request.headers.get("Authorization") == valid:
        return None
    if response.status_code == 413:  # the body limit answers before any route, as documented
        return None
    label = case.operation.label
    assert response.status_code == 401, f"{label} answered {response.status_code} without a valid key"
    assert response.headers.get("www-authenticate") == ["Bearer"], "401 without WWW-Authenticate: Bearer"
    return True


@schemathesis.hook
def after_call(context: HookContext, case: AnyCase, response: Response) -> None:
    """Counts every request the run sends to an operation, by the status it got."""
    _TALLY[case.operation.label][str(response.status_code)] += 1


@atexit.register
def _write_tally() -> None:
    path = os.environ.get("UNICRON_FUZZ_TALLY")
    if path:
        Path(path).write_text(json.dumps({op: dict(codes) for op, codes in sorted(_TALLY.items())}, indent=1))
