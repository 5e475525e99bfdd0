"""``python -m unicron_api.spec [PATH]``: writes the API's OpenAPI spec (default ``openapi.json``),
as the committed file has it; ``make client`` runs it, then regenerates the Python client."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from unicron_api.app import openapi_spec


def write(spec: dict[str, Any], path: Path) -> None:
    """Writes ``spec`` as the committed file has it: indented, UTF-8, a final newline."""
    path.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Writes the spec to the path given (default ``openapi.json``)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "openapi.json")
    write(openapi_spec(), path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
