"""Free TCP ports on loopback, for servers under test."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago.

    The OS picks it from its ephemeral range, so it is never 6379. Someone else may bind it before
    the caller does: a caller that can tell (a server that fails to start) tries another.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
