"""The import contracts of `make lint` ([tool.importlinter] in pyproject.toml) hold today, and catch a
cycle or a service importing another when one is added (to a copy of the package, found first)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import unicron_api

ROOT = Path(__file__).resolve().parents[2]
LINT_TIMEOUT_S = 120


def _lint(python_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if python_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(python_path), env.get("PYTHONPATH")]))
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "lint-imports"), "--no-cache"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=LINT_TIMEOUT_S, check=False,
    )  # fmt: skip


def test_the_contracts_hold() -> None:
    done = _lint()
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("module", "added", "broken"),
    [
        ("contract.py", "from unicron_api import app", "No import cycles"),
        ("routes/common.py", "import unicron_worker.tasks", "The services never import each other"),
    ],
)
def test_an_added_breach_fails_the_lint(tmp_path: Path, module: str, added: str, broken: str) -> None:
    copy = tmp_path / "unicron_api"
    shutil.copytree(Path(unicron_api.__file__).parent, copy)
    with (copy / module).open("a") as source:
        source.write(f"\n{added}  # noqa\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert f"{broken} BROKEN" in done.stdout, done.stdout
