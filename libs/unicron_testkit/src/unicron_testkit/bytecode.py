"""Bytecode for the workspace's own packages, written before the processes under test start.

Where ``PYTHONDONTWRITEBYTECODE`` is set, a process compiles every module it imports that has no
``.pyc`` yet, and writes none. The dependencies are compiled as they are installed
(``UV_COMPILE_BYTECODE`` in the Makefile); the workspace's packages are not: they are installed
editable, used from their sources, and every ``unicron`` process a test starts compiled them again
(the generated client alone is some 120 modules: ~80 ms of each CLI command). Compiled once here,
each process reads them; a source changed since is compiled again in memory, as without them.
"""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path

# The top-level packages of the workspace's members (the root pyproject.toml's [tool.uv.workspace]).
PACKAGES = (
    "unicron",
    "unicron_core",
    "unicron_api",
    "unicron_scheduler",
    "unicron_worker",
    "unicron_client",
    "unicron_testkit",
)


def compile_workspace() -> bool:
    """Writes the missing or outdated ``.pyc`` of every workspace package found (none is imported to
    find it); returns whether all compiled."""
    ok = True
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        for where in (spec and spec.submodule_search_locations) or ():
            ok = bool(compileall.compile_dir(Path(where), quiet=1)) and ok
    return ok
