"""``unicron up``: Redis, the API, the scheduler and workers on one machine, for a laptop.

Everything lives in one data directory (mode 700): Redis's AOF and Unix socket, the cluster key
(``cluster-key``) and the API token (``api-token``), both mode 600, so a second ``up`` on the same
directory finds its jobs and can still decrypt them. The services run as child processes, each in
its own session: a Ctrl-C reaches only ``up``, which then stops them in order (services first,
Redis last). See docs/decisions/0002-unicron-up.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from unicron import metrics_ports
from unicron.children import TICK_S, Child, StopFlag, supervise, tend
from unicron.conventions import TOKEN_FILE, TRUE_WORDS, new_key
from unicron.metrics_ports import MetricsPorts
from unicron.redis_server import RedisServer
from unicron_core.errors import ConfigError

log = logging.getLogger(__name__)

KEY_FILE = "cluster-key"
LOCK_FILE = "up.lock"
REDIS_DIR = "redis"
LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"  # what `up` lets jobs call on top of the egress defaults
# A cold first start (bytecode compilation, a slow laptop) can take far longer than the usual ~2 s.
READY_TIMEOUT_S = 60.0
READY_PROBE_TIMEOUT_S = 1.0
# Children get CHILD_GRACE_S to stop after SIGTERM, Redis the rest: all within 10 s.
CHILD_GRACE_S = 7.5
# A worker's runs in flight get this long to finish on Ctrl-C, then are aborted and recorded: well
# inside CHILD_GRACE_S (UNICRON_WORKER_GRACE_S's own default, 30 s, is for deployments).
WORKER_GRACE_S = CHILD_GRACE_S - 2.5
REDIS_STOP_S = 1.5


def main(*, host: str, port: int, workers: int, data_dir: Path, metrics_port: int | None = None) -> int:
    """Runs everything until a stop signal; returns the process's exit code. Each process serves
    its metrics on loopback from ``metrics_port`` on (0: none; None: ``metrics_ports.choose``'s).

    Raises:
        ConfigError: the data dir is in use by another ``up``, or a port asked for is taken.
        RedisServerError: the embedded Redis did not start.
    """
    started = time.monotonic()
    stop = StopFlag()
    stop.install()
    data_dir = data_dir.resolve()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _exclusive(data_dir):
        _check_port_free(host, port)
        metrics = metrics_ports.choose(api_port=port, asked=metrics_port, workers=workers)
        redis_url = os.environ.get("REDIS_URL", "")
        # Without REDIS_URL, a Redis of our own: on a Unix socket (no port to collide, no network
        # exposure) with an AOF in the data dir, so jobs survive a restart.
        redis = None if redis_url else embedded_redis(data_dir)
        children: list[Child] = []
        try:
            if redis is not None:
                redis.start()
                redis_url = redis.url
            env = _child_env(data_dir, redis_url)
            children = _children(env, host=host, port=port, workers=workers, metrics=metrics)
            return _run(
                children,
                stop,
                env=env,
                host=host,
                port=port,
                data_dir=data_dir,
                metrics=metrics,
                started=started,
            )
        finally:
            _shutdown(children, redis)


def embedded_redis(data_dir: Path) -> RedisServer:
    """The Redis ``up`` runs for ``data_dir`` (not started): its AOF and its Unix socket in ``redis/``."""
    return RedisServer(data_dir=data_dir / REDIS_DIR, unix_socket=True)


def settings_from(data_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """What ``unicron token`` and ``unicron rotate-key`` take from ``up``'s data dir where ``environ``
    says nothing (by variable name): ``UNICRON_KEY`` from its key file when that variable is unset,
    ``REDIS_URL`` for the Redis ``up`` runs there when no ``REDIS_*`` variable is set.

    Raises:
        ConfigError: the key file cannot be read, or up's key is taken and its Redis is not running.
    """
    unset = {name.upper() for name, value in environ.items() if not value}
    given = {name.upper() for name in environ} - unset
    found: dict[str, str] = {}
    if "UNICRON_KEY" not in given:
        key = _read_secret(data_dir / KEY_FILE)
        if key:
            found["UNICRON_KEY"] = key
    if not any(name.startswith("REDIS_") for name in given):
        redis = embedded_redis(data_dir)
        socket_path = redis.socket_path
        if socket_path is not None and socket_path.is_socket():
            found["REDIS_URL"] = redis.url
        elif found:  # up's key, for a Redis that is not up's: refuse rather than guess
            raise ConfigError(
                f"no Redis at {socket_path}, where `unicron up` runs it: is it running? "
                "(Set REDIS_URL for another Redis.)"
            )
    return found


def _read_secret(path: Path) -> str:
    """The secret kept in ``path``, or "" when there is no such file."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _run(
    children: Sequence[Child],
    stop: StopFlag,
    *,
    env: Mapping[str, str],
    host: str,
    port: int,
    data_dir: Path,
    metrics: MetricsPorts | None,
    started: float,
) -> int:
    """Starts the children, announces the API once it is ready, then supervises until stopped."""
    # The API starts alone: on a two-core laptop, five Python processes importing at once delay its
    # first answer by ~1.5 s. Once /readyz has proved Redis and the key right, the others follow.
    api, *others = children
    api.start()
    code = _wait_ready(children, stop, _probe_host(host), port)
    if code is not None:
        return code
    log.info("API ready in %.2f s; starting the scheduler and workers", time.monotonic() - started)
    for child in others:
        child.start()
    base = f"http://{_url_host(_probe_host(host))}:{port}"
    _print_banner(env, base=base, data_dir=data_dir, metrics=metrics)
    return supervise(children, stop)


def _check_port_free(host: str, port: int) -> None:
    """Fails fast on a taken port: otherwise the API would crash-loop until the readiness deadline."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: ignore TIME_WAIT
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({exc.strerror}): choose another --port"
            ) from None


@contextlib.contextmanager
def _exclusive(data_dir: Path) -> Iterator[None]:
    """Holds a lock on the data dir: two ``up`` on one Redis AOF and socket would corrupt each other."""
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"{data_dir} is in use by another `unicron up`") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _child_env(data_dir: Path, redis_url: str) -> dict[str, str]:
    """The parent's environment plus what every service needs; explicit settings win."""
    env = dict(os.environ)
    env["REDIS_URL"] = redis_url
    if not env.get("UNICRON_KEY"):
        env["UNICRON_KEY"] = _read_or_create_secret(data_dir / KEY_FILE)
    if not env.get("UNICRON_API_TOKENS"):
        env["UNICRON_API_TOKENS"] = _read_or_create_secret(data_dir / TOKEN_FILE)
    # A laptop is single-user: its owner may run shell commands and call loopback URLs.
    env.setdefault("UNICRON_ALLOW_COMMANDS", "true")
    env.setdefault("UNICRON_EGRESS_ALLOW", LOOPBACK_NETWORKS)
    env.setdefault("UNICRON_WORKER_GRACE_S", f"{WORKER_GRACE_S:g}")
    return env


def _read_or_create_secret(path: Path) -> str:
    """The secret kept in ``path`` (mode 600), made on first use; the caller holds the data-dir lock."""
    with contextlib.suppress(FileNotFoundError):
        value = path.read_text().strip()
        if value:
            if path.stat().st_mode & 0o077:
                log.warning("%s was readable by others; making it private (mode 600)", path)
                path.chmod(0o600)
            return value
    value = new_key()
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        os.fchmod(fd, 0o600)  # a leftover tmp file would keep its old mode
        file.write(value + "\n")
        file.flush()
        os.fsync(fd)
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written key behind
    log.info("created %s", path)
    return value


def _children(
    env: Mapping[str, str], *, host: str, port: int, workers: int, metrics: MetricsPorts | None
) -> list[Child]:
    def own(service: str) -> Mapping[str, str]:
        return env if metrics is None else {**env, **metrics.env(service)}

    return [
        Child("api", ["api", "--host", host, "--port", str(port)], own("api")),
        Child("scheduler", ["scheduler"], own("scheduler")),
        Child("worker", ["worker", "--processes", str(workers)], own("worker")),
    ]


def _probe_host(host: str) -> str:
    """Where to reach the API: a wildcard listen address is reached on loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _wait_ready(children: Sequence[Child], stop: StopFlag, host: str, port: int) -> int | None:
    """Polls ``/readyz`` until it answers 200 (then None); returns an exit code if ``up`` must stop."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not _is_ready(host, port):
        if stop.requested():
            return 0
        code = tend(children)
        if code is not None:
            return code
        if time.monotonic() > deadline:
            log.error("the API did not become ready within %.0f s: stopping", READY_TIMEOUT_S)
            return 1
        time.sleep(TICK_S)
    return None


def _is_ready(host: str, port: int) -> bool:
    # http.client rather than httpx: a one-line probe needs no dependency and no import time.
    conn = http.client.HTTPConnection(host, port, timeout=READY_PROBE_TIMEOUT_S)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _print_banner(env: Mapping[str, str], *, base: str, data_dir: Path, metrics: MetricsPorts | None) -> None:
    # A token the user set is theirs to know: only the one `up` keeps is printed.
    generated = not os.environ.get("UNICRON_API_TOKENS")
    token = env["UNICRON_API_TOKENS"] if generated else "$TOKEN"
    lines = [
        "",
        "Unicron is up.",
        f"  API:    {base}/api/",
        f"  Docs:   {base}/api/docs",
        f"  Web UI: {base}/ui/  (sign in with the token)",
        f"  Token:  {token}" + (f"  (kept in {data_dir / TOKEN_FILE})" if generated else ""),
        f'  Try:    curl -H "Authorization: Bearer {token}" {base}/api/job/',
        f"  Data:   {data_dir} (back up {KEY_FILE}: without it the stored jobs cannot be decrypted)",
    ]
    if metrics is not None:
        lines.insert(-1, f"  Metrics: {metrics.describe()}")
    commands = env.get("UNICRON_ALLOW_COMMANDS", "").strip().lower() in TRUE_WORDS
    loopback = env.get("UNICRON_EGRESS_ALLOW") == LOOPBACK_NETWORKS
    if commands and loopback:
        lines.append("Shell commands and loopback URLs are allowed: `up` assumes a single-user machine.")
    else:
        allowed = "allowed" if commands else "refused (UNICRON_ALLOW_COMMANDS)"
        lines.append(f"Shell commands are {allowed}; loopback URLs follow UNICRON_EGRESS_ALLOW.")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)


def _shutdown(children: Sequence[Child], redis: RedisServer | None) -> None:
    """SIGTERM every child's group, SIGKILL what remains after the grace, then stop Redis."""
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + CHILD_GRACE_S
    while any(child.running() for child in children) and time.monotonic() < deadline:
        time.sleep(TICK_S)
    for child in children:
        if child.running():
            log.warning("%s did not stop within %.1f s: killing it", child.name, CHILD_GRACE_S)
        # Also sweeps the group of a child that exited but left processes behind.
        child.signal_group(signal.SIGKILL)
        if child.proc is not None:
            child.proc.wait()
    if redis is not None:
        redis.stop(timeout_s=REDIS_STOP_S)
