"""The committed client and openapi.json are exactly what `make client` writes from the app today."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATE_TIMEOUT_S = 120


def test_client_and_contract_are_fresh(tmp_path: Path) -> None:
    out = tmp_path / "python"
    spec = tmp_path / "openapi.json"
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "client", f"OPENAPI={spec}", f"CLIENT_DIR={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=GENERATE_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stale = "is stale: run `make client` and commit the result"
    assert spec.read_bytes() == (ROOT / "openapi.json").read_bytes(), f"openapi.json {stale}"
    assert _tree(out) == _tree(ROOT / "clients" / "python"), f"clients/python {stale}"


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (caches aside) and its bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
