"""The ``unicron`` command: parse arguments, configure logging, build objects, call ``run()``.

Services and the settings are imported inside their subcommand, so ``unicron keygen`` and ``unicron up``
(which only starts other processes) never pay for importing pydantic, FastAPI, RQ or uvicorn. The
groups whose arguments need those to be parsed get the rest of the command line unparsed:
``job``, ``task``, ``runs`` and ``apply`` (their options are made from the models, and they talk to the
API through its generated client) go to ``unicron.remote``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from unicron.conventions import EXIT_SIGPIPE, EXIT_USAGE, TRUE_WORDS, new_key
from unicron_core.apikeys import Scope, parse_scopes
from unicron_core.errors import ConfigError, UnicronError

if TYPE_CHECKING:
    from unicron_core.settings import Settings
    from unicron_core.store import Store

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The groups whose arguments are handed over unparsed (``_run``), and their line in the help.
HANDED_OVER = {
    "job": "register, list, show, change, pause, resume, run and delete jobs; read their results",
    "task": "run one-off async tasks and read their status",
    "runs": "list, show and rerun the runs of every job",
    "apply": "make the jobs of a YAML or JSON file exist as written (plan, then apply)",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one subcommand; a ``UnicronError`` becomes one line on stderr and exit code 2, a stdout
    closed early (``unicron ... | head``) a quiet exit."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _run(argv)
        sys.stdout.flush()  # output small enough to sit in the buffer meets a closed pipe here
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except UnicronError as exc:
        print("unicron:", " ".join(str(exc).split()), file=sys.stderr)  # one line, whatever the message
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130  # the shell's convention for "stopped by SIGINT"


def _stdout_closed() -> int:
    """Whoever read stdout has gone: exit as a command stopped by SIGPIPE would, without a word.

    What is left in stdout's buffer goes to /dev/null, or Python would meet the closed pipe again
    when it flushes at exit (the idiom of Python's docs, "Note on SIGPIPE").
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a file descriptor (replaced by a caller)
        pass
    finally:
        os.close(devnull)
    return EXIT_SIGPIPE


def _run(argv: list[str]) -> int:
    group = argv[0] if argv else None
    if group in HANDED_OVER:
        return _remote(argv)
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    return command(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unicron", description="Distributed cron and async tasks.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    up = sub.add_parser("up", help="run Redis, the API, the scheduler and workers here (for a laptop)")
    up.add_argument("--host", default="127.0.0.1", help="address the API listens on (default: %(default)s)")
    up.add_argument("--port", type=int, default=8185, help="API port (default: %(default)s)")
    up.add_argument(
        "--workers", type=_positive_int, default=2, help="worker processes (default: %(default)s)"
    )
    up.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".unicron"),
        help="Redis data and secrets (default: .unicron)",
    )
    up.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="first of the loopback Prometheus ports: the API's, the scheduler's, then each worker's "
        "(0: none; default: the API's port + 1000, or free ones)",
    )
    up.set_defaults(command=_up)

    api = sub.add_parser("api", help="serve the REST API")
    api.add_argument("--host", default="0.0.0.0", help="address to listen on (default: %(default)s)")  # noqa: S104
    api.add_argument("--port", type=int, default=8185, help="port (default: %(default)s)")
    api.set_defaults(command=_api)

    scheduler = sub.add_parser("scheduler", help="run a scheduler (one leads, the others stand by)")
    scheduler.add_argument("--check", action="store_true", help="check configuration and Redis, then exit")
    scheduler.set_defaults(command=_scheduler)

    worker = sub.add_parser("worker", help="run queue workers")
    worker.add_argument("--processes", type=_positive_int, default=1, help="worker processes (default: 1)")
    worker.add_argument("--burst", action="store_true", help="exit once the queue is empty")
    worker.add_argument(
        "--check",
        action="store_true",
        help="probe: exit 0 when Redis answers, the key matches and a worker of this host is registered",
    )
    worker.set_defaults(command=_worker)

    keygen = sub.add_parser("keygen", help="print a new random cluster key for UNICRON_KEY")
    keygen.set_defaults(command=_keygen)

    for group, what in HANDED_OVER.items():  # listed here, parsed where they are handed over
        sub.add_parser(group, help=what)

    # The admin commands talk to Redis with the cluster key: next to `unicron up`, up's own.
    admin = argparse.ArgumentParser(add_help=False)
    admin.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".unicron"),
        help="`unicron up`'s data dir: its cluster key when UNICRON_KEY is unset, its Redis when "
        "REDIS_URL and every REDIS_* are (default: .unicron)",
    )
    token = sub.add_parser("token", help="manage API keys (scoped, stored hashed)")
    actions = token.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser("create", parents=[admin], help="make a key; it is printed once")
    create.add_argument("--name", required=True, help="who or what uses it")
    create.add_argument("--scopes", required=True, help="comma-separated: " + ", ".join(Scope))
    create.set_defaults(command=_token_create)
    listing = actions.add_parser("list", parents=[admin], help="list keys (names and scopes, never the keys)")
    listing.set_defaults(command=_token_list)
    revoke = actions.add_parser("revoke", parents=[admin], help="delete a key at once")
    revoke.add_argument("name")
    revoke.set_defaults(command=_token_revoke)

    rotate = sub.add_parser(
        "rotate-key",
        parents=[admin],
        help="re-encrypt every record under UNICRON_KEY (old keys in UNICRON_OLD_KEYS)",
    )
    rotate.set_defaults(command=_rotate_key)

    cron = sub.add_parser("cron", help="check a schedule without waiting for it")
    cron_actions = cron.add_subparsers(required=True, metavar="ACTION")
    cron_next = cron_actions.add_parser(
        "next", help="print the next fire times of a schedule (and, on stderr, what it does in words)"
    )
    cron_next.add_argument("expr", help="cron expression, macro or @every duration")
    cron_next.add_argument(
        "--tz", default=os.environ.get("TZ") or "UTC", help="IANA zone (default: $TZ or UTC)"
    )
    cron_next.add_argument("--after", help="ISO-8601 start, exclusive (default: now; naive means in --tz)")
    cron_next.add_argument("--count", type=_positive_int, default=5, help="how many (default: 5)")
    cron_next.set_defaults(command=_cron_next)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _up(args: argparse.Namespace) -> int:
    from unicron import up  # noqa: PLC0415 - keeps `unicron keygen` and the services lean

    # `up` runs before a key may exist, so it cannot read the full settings: only DEBUG. Its
    # children read (and check) them all.
    _configure_logging(debug=os.environ.get("DEBUG", "").strip().lower() in TRUE_WORDS)
    return up.main(
        host=args.host,
        port=args.port,
        workers=args.workers,
        data_dir=args.data_dir,
        metrics_port=args.metrics_port,
    )


def _api(args: argparse.Namespace) -> int:
    settings = _settings()
    from unicron_api.main import run  # noqa: PLC0415 - FastAPI only where it is served

    result: int = run(settings, host=args.host, port=args.port)
    return result


def _scheduler(args: argparse.Namespace) -> int:
    settings = _settings()
    from unicron_scheduler.main import run  # noqa: PLC0415 - lazy, as every service

    result: int = run(settings, check=args.check)
    return result


def _worker(args: argparse.Namespace) -> int:
    if args.check:
        return _worker_check()
    settings = _settings()
    from unicron_worker.main import run  # noqa: PLC0415 - lazy, as every service

    result: int = run(settings, processes=args.processes, burst=args.burst)
    return result


def _worker_check() -> int:
    """``unicron worker --check``: missing or bad settings are an unhealthy answer too (exit 1)."""
    try:
        settings = _settings()
    except UnicronError as exc:
        print(f"unhealthy: {' '.join(str(exc).split())}")
        return 1
    from unicron_worker.check import check  # noqa: PLC0415 - lazy, as every service

    return check(settings)


def _keygen(_args: argparse.Namespace) -> int:
    print(new_key())
    return 0


def _remote(argv: list[str]) -> int:
    """``unicron job|task|runs|apply ...``: the API, through its generated client."""
    try:
        from unicron import remote  # noqa: PLC0415 - the client, httpx and pydantic only for these
    except ImportError as exc:  # an image that installed the services without the client
        raise ConfigError(f"`unicron {argv[0]}` needs the unicron-client package ({exc})") from None
    return remote.main(argv)


def _store(data_dir: Path) -> Store:
    """A store on the cluster's Redis: the environment's settings, else ``unicron up``'s in ``data_dir``."""
    from unicron import up  # noqa: PLC0415 - as in _up

    settings = _settings(up.settings_from(data_dir, os.environ))
    from unicron_core.store import Store  # noqa: PLC0415 - lazy, as every service

    return Store.from_settings(settings)


def _token_create(args: argparse.Namespace) -> int:
    store = _store(args.data_dir)
    print(store.run(store.access.create(name=args.name, scopes=parse_scopes(args.scopes))))
    print("Keep it now: it is stored only as a hash and cannot be shown again.", file=sys.stderr)
    return 0


def _token_list(args: argparse.Namespace) -> int:
    store = _store(args.data_dir)
    for info in store.run(store.access.list()):
        print(f"{info.name}\t{','.join(info.scopes)}")
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    store = _store(args.data_dir)
    store.run(store.access.revoke(name=args.name))
    print(f"revoked {args.name}")
    return 0


def _rotate_key(args: argparse.Namespace) -> int:
    """Safe while the cluster runs, and resumable: run it again until it reports nothing left."""
    store = _store(args.data_dir)
    report = store.run(store.cluster.rotate())
    print(
        f"rotated {report.rotated}, already current {report.current}, "
        f"changed meanwhile {report.changed_meanwhile} (run again), unreadable {len(report.unreadable)}"
    )
    for record in report.unreadable:
        print(f"  unreadable: {record}")
    return 1 if report.unreadable or report.changed_meanwhile else 0


def _cron_next(args: argparse.Namespace) -> int:
    """One ISO-8601 time with offset per line, in the schedule's zone; what the schedule does, in
    words, first on stderr (so that stdout stays one time a line)."""
    from unicron_core import cron, preview  # noqa: PLC0415 - only this subcommand needs them

    schedule = cron.parse(args.expr, args.tz)
    try:
        after_ms = preview.iso_ms(args.after, cron.get_zone(args.tz)) if args.after else preview.now_ms()
    except ValueError as exc:
        raise UnicronError(f"--after: {exc}") from None
    shown = preview.times_of(schedule, after_ms=after_ms, count=args.count)
    print(shown.description, file=sys.stderr)
    for fire in shown.times:
        print(fire.iso)
    return 0


def _settings(defaults: Mapping[str, str] | None = None) -> Settings:
    # Imported here: pydantic-settings costs ~0.3 s that `up` and `keygen` need not pay.
    from unicron_core.settings import get_settings  # noqa: PLC0415

    settings = get_settings(defaults)
    _configure_logging(debug=settings.debug)
    return settings


def _configure_logging(*, debug: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format=LOG_FORMAT, force=True)
    # httpx logs each request's URL at INFO and httpcore its headers at DEBUG: a job's URL and
    # headers are its secrets (stored encrypted), never a log line, even with DEBUG set.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
