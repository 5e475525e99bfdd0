"""What the ``unicron`` commands agree on: exit codes, how a boolean reads, keys, ``up``'s files.

The standard library only, imported by every command: ``unicron keygen`` and ``unicron up`` start
without pydantic.
"""

from __future__ import annotations

import secrets

EXIT_USAGE = 2  # bad arguments or configuration; also what argparse uses
EXIT_SIGPIPE = 141  # 128 + SIGPIPE: stdout was closed early (`unicron ... | head`), as the shell reports it
KEY_BYTES = 32  # 256 bits of randomness, 43 URL-safe characters
TRUE_WORDS = frozenset({"1", "on", "t", "true", "y", "yes"})  # what pydantic reads as true
TOKEN_FILE = "api-token"  # noqa: S105 - the file in its data dir where `unicron up` keeps its API token


def new_key() -> str:
    """A new random cluster key (also used for API tokens)."""
    return secrets.token_urlsafe(KEY_BYTES)
