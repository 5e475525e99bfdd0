"""Documents read from a file (``-`` for stdin): JSON, or YAML where the text is not JSON.

PyYAML is imported only when a document is not JSON. YAML 1.1 reads a plain value that starts with
``*`` as an alias: a cron schedule such as ``*/5 * * * *`` must be quoted, and the error says so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from unicron_core.errors import ConfigError


def read(path: Path) -> Any:
    """The document in ``path``, parsed.

    Raises:
        ConfigError: the file cannot be read, or holds neither JSON nor YAML.
    """
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        if path.suffix == ".json":
            raise ConfigError(f"{path} is not JSON: {exc}") from None
    return _yaml(path, text)


def read_object(path: Path) -> dict[str, Any]:
    """The document in ``path``, which must be an object (a mapping).

    Raises:
        ConfigError: as ``read``, or the document is not an object.
    """
    document = read(path)
    if not isinstance(document, dict):
        raise ConfigError(f"{path} must hold an object (field: value, ...)")
    return document


def _yaml(path: Path, text: str) -> Any:
    import yaml  # noqa: PLC0415 - only for a document that is not JSON

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        hint = ""
        if "alias" in f"{problem} {getattr(exc, 'context', None)}":
            hint = " (quote a value that starts with *, such as a schedule: '*/5 * * * *')"
        raise ConfigError(f"{path} is neither JSON nor YAML{where}: {problem}{hint}") from None
