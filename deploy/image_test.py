"""``make image-test``: build the three images and run them with docker compose, for real.

Everything runs in a Docker engine of its own: Debian's dockerd (``docker.io`` and ``debootstrap``
are installed with apt-get when missing), with its data, state and socket in a temporary directory
and no default bridge (builds use the host's network; compose makes its own network). No image
registry is reachable, so the two base images docker-compose.yml needs are made here:

- ``python:3.11-slim``: a stand-in made with debootstrap (a minimal bookworm with python3, pip,
  ca-certificates, netbase and tzdata, as the real one has) and ``docker import``. It trusts what
  this machine trusts (a TLS-inspecting proxy's CA, say): the builds fetch from PyPI through it.
- a Redis image on it with Debian's redis-server, passed to compose as REDIS_IMAGE.

Then: build the three images from the repository root; ``docker compose up --wait`` (every
container healthy); create a job and an async task through the published port and see both run;
check the two schedulers (one leads); scale the workers to two and run a task on them; tear down.
Whatever happens (a failure, Ctrl-C, SIGTERM from the Makefile's timeout), the compose project, the
engine, its mounts, the host's iptables rules and the directory are cleaned up. Needs root.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from unicron_testkit.ports import free_port
from unicron_testkit.waiting import WaitTimeout, wait_for

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("api", "scheduler", "worker")
TAG = "image-test"
PROJECT = "unicron-image-test"
REDIS_IMAGE = "unicron-image-test/redis:bookworm"
BASE_PACKAGES = "python3,python3-pip,python3-venv,python-is-python3,ca-certificates,netbase,tzdata"
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
ENGINE_START_S = 60
BUILD_S = 900
COMPOSE_UP_S = 180
RUN_S = 60  # a job or task must have run within this after it was created
STOP_S = 30
POLL_S = 0.5  # each look runs `docker version` or asks the API: twice a second is plenty

STARTED = time.monotonic()


class Failed(Exception):
    """A step failed; the message says which and why."""


def say(text: str) -> None:
    """One line of the test's log, with the time since it started."""
    print(f"[{time.monotonic() - STARTED:6.1f} s] {text}", flush=True)


@contextlib.contextmanager
def step(name: str) -> Iterator[None]:
    """Logs a step's start, and its end with its duration."""
    started = time.monotonic()
    say(f"{name} ...")
    yield
    say(f"{name}: done in {time.monotonic() - started:.1f} s")


def run(
    args: Sequence[str],
    *,
    timeout_s: float,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    stdin: bytes | None = None,
) -> str:
    """Runs a command in a session of its own; its output goes to ``log`` when given.

    A timeout or a signal kills the command's whole process group (debootstrap's dpkg, say).

    Raises:
        Failed: it exited with an error, or took longer than ``timeout_s``.
    """
    proc = subprocess.Popen(
        list(args),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(stdin, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise Failed(f"{' '.join(args[:3])} ... took more than {timeout_s:.0f} s") from None
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = (stdout + stderr).decode(errors="replace")
    if log is not None:
        log.write_text(output)
    if proc.returncode != 0:
        raise Failed(f"{' '.join(args[:4])} ... exited {proc.returncode}:\n{output[-3000:]}")
    return stdout.decode(errors="replace")


def unmount_under(directory: Path) -> list[str]:
    """Unmounts everything below ``directory`` (deepest first); returns what is still mounted."""

    def mounts() -> list[str]:
        points = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
        return sorted((p for p in points if p.startswith(f"{directory}/")), reverse=True)

    for mount in mounts():
        subprocess.run(["umount", "--lazy", mount], check=False, capture_output=True)
    return mounts()


# -- the host: packages, the engine, the stand-in images -----------------------------------------


def install_packages() -> None:
    """docker.io and debootstrap from Debian, when they are missing."""
    if shutil.which("dockerd") and shutil.which("debootstrap"):
        return
    with step("apt-get install docker.io debootstrap"):
        run(["apt-get", "update", "-qq"], timeout_s=300)
        run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "docker.io", "debootstrap"],
            timeout_s=600,
            env={"DEBIAN_FRONTEND": "noninteractive"},
        )


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses for bookworm."""
    override = os.environ.get("UNICRON_IMAGE_TEST_MIRROR")
    if override:
        return override
    files = [
        APT_SOURCES[0],
        *sorted(APT_SOURCES[1].glob("*.sources")),
        *sorted(APT_SOURCES[1].glob("*.list")),
    ]
    for path in (f for f in files if f.is_file()):
        for stanza in path.read_text().split("\n\n"):
            uris, suites = [], []
            for line in stanza.splitlines():
                key, _, value = line.partition(":")
                if key == "URIs":
                    uris = value.split()
                elif key == "Suites":
                    suites = value.split()
                elif line.startswith("deb ") and len(line.split()) >= 3 and line.split()[2] == "bookworm":
                    return line.split()[1]
            if uris and "bookworm" in suites:
                return uris[0]
    raise Failed("no apt source for bookworm on this machine: set UNICRON_IMAGE_TEST_MIRROR")


class Engine:
    """A dockerd of our own; ``stop`` leaves the host as it found it (mounts, iptables, forwarding)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.socket = workdir / "docker.sock"
        self.env = {"DOCKER_HOST": f"unix://{self.socket}"}
        self.docker = shutil.which("docker") or "docker"
        self._proc: subprocess.Popen[bytes] | None = None
        self._iptables = self._save_iptables()
        self._ip_forward = Path("/proc/sys/net/ipv4/ip_forward").read_text()

    def start(self) -> None:
        log = (self.workdir / "dockerd.log").open("wb")
        self._proc = subprocess.Popen(
            [
                "dockerd",
                "--data-root", str(self.workdir / "data"),
                "--exec-root", str(self.workdir / "exec"),
                "--pidfile", str(self.workdir / "dockerd.pid"),
                "--host", self.env["DOCKER_HOST"],
                "--bridge", "none",
                "--containerd-namespace", PROJECT,
                "--containerd-plugins-namespace", f"{PROJECT}-plugins",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        wait_for(self._answers, ENGINE_START_S, "the Docker engine to answer", interval_s=POLL_S)

    def _answers(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            tail = (self.workdir / "dockerd.log").read_text(errors="replace")[-2000:]
            raise Failed(f"the Docker engine could not start here (exit {self._proc.returncode}):\n{tail}")
        try:
            run([self.docker, "version"], timeout_s=10, env=self.env)
        except Failed:
            return False
        return True

    def docker_run(
        self, *args: str, timeout_s: float, log: Path | None = None, stdin: bytes | None = None
    ) -> str:
        return run([self.docker, *args], timeout_s=timeout_s, env=self.env, log=log, stdin=stdin)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to its process group; unmounts what it left; restores iptables."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        unmount_under(self.workdir)
        if self._iptables is not None:
            with contextlib.suppress(Failed, OSError):
                run(["iptables-restore"], timeout_s=30, stdin=self._iptables)
        with contextlib.suppress(OSError):
            Path("/proc/sys/net/ipv4/ip_forward").write_text(self._ip_forward)

    @staticmethod
    def _save_iptables() -> bytes | None:
        """The host's rules now. A table it does not list yet (dockerd adds to nat) is saved empty,
        so that restoring also removes what dockerd put there."""
        if shutil.which("iptables-save") is None:
            return None
        rules = subprocess.run(["iptables-save"], capture_output=True, check=True).stdout
        if b"*nat" not in rules:
            chains = b"".join(
                b":%s ACCEPT [0:0]\n" % c for c in (b"PREROUTING", b"INPUT", b"OUTPUT", b"POSTROUTING")
            )
            rules += b"*nat\n" + chains + b"COMMIT\n"
        return rules


def build_python_stand_in(engine: Engine, workdir: Path) -> None:
    """A minimal bookworm with python3 and pip, imported as python:3.11-slim."""
    rootfs = workdir / "rootfs"
    mirror = debian_mirror()
    run(
        ["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", "bookworm", str(rootfs), mirror],
        timeout_s=600,
        log=workdir / "debootstrap.log",
    )
    # The real image's pip installs where it is told (no PEP 668 marker) and it ships no apt cache.
    (rootfs / "usr/lib/python3.11/EXTERNALLY-MANAGED").unlink(missing_ok=True)
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (rootfs / cache).glob("*"):
            if entry.is_file():
                entry.unlink()
    if HOST_CA_BUNDLE.is_file():
        shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
    tarball = workdir / "rootfs.tar"
    run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."], timeout_s=300)
    engine.docker_run(
        "import",
        "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--change", "ENV LANG=C.UTF-8",
        "--change", f"ENV SSL_CERT_FILE={HOST_CA_BUNDLE}",
        "--change", 'CMD ["python3"]',
        str(tarball), "python:3.11-slim",
        timeout_s=300,
    )  # fmt: skip
    shutil.rmtree(rootfs)
    tarball.unlink()


def build_redis_stand_in(engine: Engine, workdir: Path) -> None:
    """Debian's redis-server on the stand-in, laid out as the official image: user redis, /data."""
    context = workdir / "redis"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM python:3.11-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends redis-server"
        " && rm -rf /var/lib/apt/lists/* && install -d -o redis -g redis /data\n"
        "WORKDIR /data\n"
    )
    engine.docker_run(
        "build",
        "--network",
        "host",
        "-t",
        REDIS_IMAGE,
        str(context),
        timeout_s=600,
        log=workdir / "redis-build.log",
    )


# -- the images and the compose project -----------------------------------------------------------


class Project:
    """docker-compose.yml run under PROJECT with a generated .env."""

    def __init__(self, engine: Engine, workdir: Path, compose: Path) -> None:
        self.engine = engine
        self.binary = str(compose)
        self.port = free_port()
        self.token = secrets.token_urlsafe(32)
        self.env_file = workdir / "test.env"
        self.env_file.write_text(
            "".join(
                f"{name}={value}\n"
                for name, value in {
                    "UNICRON_KEY": secrets.token_urlsafe(32),
                    "UNICRON_API_TOKENS": self.token,
                    "REDIS_PASSWORD": secrets.token_urlsafe(32),
                    # The images refuse commands by default; this test runs some on purpose.
                    "UNICRON_ALLOW_COMMANDS": "true",
                    "TZ": "Europe/Berlin",
                    "UNICRON_PUBLISH": f"127.0.0.1:{self.port}",
                    "UNICRON_TAG": TAG,
                    "UNICRON_WORKER_PROCESSES": "1",
                    "REDIS_IMAGE": REDIS_IMAGE,
                }.items()
            )
        )
        self.up_ever = False
        self.api = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )

    def compose(self, *args: str, timeout_s: float) -> str:
        command = [self.binary, "--project-name", PROJECT, "--file", str(ROOT / "docker-compose.yml")]
        env = {**self.engine.env, "UNICRON_ENV_FILE": str(self.env_file)}
        return run([*command, "--env-file", str(self.env_file), *args], timeout_s=timeout_s, env=env)

    def up(self, *extra: str) -> None:
        self.up_ever = True
        wait = ["--wait", "--wait-timeout", str(COMPOSE_UP_S)]
        self.compose(
            "up", "--detach", "--no-build", "--pull", "never", *wait, *extra, timeout_s=COMPOSE_UP_S + 30
        )

    def containers(self) -> list[dict[str, Any]]:
        output = self.compose("ps", "--format", "json", timeout_s=30).strip()
        # One JSON object per line (newer compose) or one array (older).
        if output.startswith("["):
            rows: list[dict[str, Any]] = json.loads(output)
            return rows
        return [json.loads(line) for line in output.splitlines() if line.strip()]

    def down(self) -> None:
        if self.up_ever:
            with contextlib.suppress(Failed):
                self.compose("down", "--volumes", "--timeout", "15", timeout_s=120)
        self.api.close()

    def post(self, path: str, payload: dict[str, Any]) -> str:
        response = self.api.post(path, json=payload)
        if response.status_code != 201:
            raise Failed(f"POST {path}: {response.status_code} {response.text}")
        result: str = response.json()["result"]
        return result

    def result(self, path: str) -> Any:
        response = self.api.get(path)
        return response.json()["result"] if response.status_code == 200 else None


def build_images(engine: Engine, workdir: Path) -> None:
    for service in SERVICES:
        with step(f"docker build -f services/{service}/Dockerfile -t unicron-{service}:{TAG} ."):
            engine.docker_run(
                "build", "--network", "host", "-f", f"services/{service}/Dockerfile",
                "-t", f"unicron-{service}:{TAG}", ".",
                timeout_s=BUILD_S, log=workdir / f"build-{service}.log",
            )  # fmt: skip
        size = engine.docker_run(
            "image", "inspect", "--format", "{{.Size}}", f"unicron-{service}:{TAG}", timeout_s=30
        )
        user = engine.docker_run(
            "image", "inspect", "--format", "{{.Config.User}}", f"unicron-{service}:{TAG}", timeout_s=30
        )
        say(f"unicron-{service}:{TAG}: {int(size) / 1e6:.0f} MB, user {user.strip()}")


def exercise(project: Project) -> None:
    """The end-to-end checks, through the published port."""
    with step(f"docker compose up --wait (API published on 127.0.0.1:{project.port})"):
        project.up()
    describe(project, expect={"api": 1, "redis": 1, "scheduler": 2, "worker": 1})
    say(f"GET /api/ -> {project.result('/api/')}")
    job_id = project.post(
        "/api/job/",
        {"name": "image-test", "schedule": "*/2 * * * * *", "command": 'echo "job ran in $TZ as $(id -u)"'},
    )
    task_id = project.post("/api/async/", {"name": "image-test", "command": "echo task ran"})
    say(f"created job {job_id} (every 2 s) and task {task_id}")
    say(f"task {task_id}: {wait_task(project, task_id)}")
    runs = wait_for(
        lambda: project.result(f"/api/job/result/{job_id}"),
        RUN_S,
        f"a run of job {job_id}",
        interval_s=POLL_S,
    )
    run_output = runs[0]["output"]
    if not runs[0]["success"] or run_output["stdout"] != "job ran in Europe/Berlin as 10001\n":
        raise Failed(f"the job's run is not what it should be: {runs[0]}")
    say(f"job {job_id}: {len(runs)} run(s), the latest printed {run_output['stdout']!r}")
    for index in (1, 2):
        check = project.compose(
            "exec", "-T", "--index", str(index), "scheduler", "unicron", "scheduler", "--check", timeout_s=60
        )
        say(f"scheduler {index}: unicron scheduler --check -> {check.strip()}")
    with step("docker compose up --scale worker=2"):
        project.up("--scale", "worker=2", "--no-recreate")
    describe(project, expect={"worker": 2})
    second = project.post("/api/async/", {"name": "image-test", "command": "echo scaled"})
    say(f"task {second}: {wait_task(project, second)}")


def wait_task(project: Project, task_id: str) -> str:
    def done() -> str | None:
        task = project.result(f"/api/async/{task_id}")
        if task is None or task["status"] not in ("SUCCESS", "FAILURE"):
            return None
        if task["status"] != "SUCCESS":
            raise Failed(f"task {task_id} failed: {task}")
        stdout: str = task["result"]["output"]["stdout"]
        return f"{task['status']}, stdout {stdout!r}"

    return wait_for(done, RUN_S, f"task {task_id} to run", interval_s=POLL_S)


def describe(project: Project, *, expect: dict[str, int]) -> None:
    """Logs every container's state; fails unless the expected ones are there and healthy."""
    containers = project.containers()
    for container in sorted(containers, key=lambda c: str(c["Name"])):
        health = container.get("Health") or "-"
        say(f"  {container['Name']}: {container['State']}, {health}, {container['Image']}")
    for service, count in expect.items():
        healthy = [c for c in containers if c["Service"] == service and c.get("Health") == "healthy"]
        if len(healthy) != count:
            raise Failed(f"expected {count} healthy {service} container(s), found {len(healthy)}")


# -- main ---------------------------------------------------------------------------------------


def _stop_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Failed(f"stopped by {signal.Signals(signum).name}")


def _teardown(project: Project | None, engine: Engine | None, workdir: Path) -> None:
    """Each part runs even when another failed: the engine must not outlive the test."""
    parts: list[tuple[str, Callable[[], None]]] = []
    if project is not None:
        parts.append(("docker compose down", project.down))
    if engine is not None:
        parts.append(("stopping dockerd", engine.stop))
    parts.append(("removing the directory", lambda: _remove(workdir)))
    for what, part in parts:
        try:
            part()
        except Exception as exc:  # reported; the next part still runs
            say(f"teardown: {what} failed: {type(exc).__name__}: {exc}")


def _remove(workdir: Path) -> None:
    # Never delete through a mount: debootstrap may have left the host's /proc or /dev mounted below.
    still = unmount_under(workdir)
    if still:
        raise Failed(f"{workdir} kept: {', '.join(still)} still mounted there")
    shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    if os.geteuid() != 0:
        print("image-test: needs root (it installs packages and runs its own dockerd and debootstrap)")
        return 1
    # A copy, taken first: the venv may be re-synced while the test runs, and compose must still be
    # there for the teardown.
    compose_binary = importlib.resources.files("compose") / "docker-compose"
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)
    workdir = Path(tempfile.mkdtemp(prefix="unicron-image-test-"))
    engine: Engine | None = None
    project: Project | None = None
    try:
        compose = Path(shutil.copy2(str(compose_binary), workdir / "docker-compose"))
        install_packages()
        engine = Engine(workdir)
        with step(f"dockerd, data in {workdir}"):
            engine.start()
        with step("python:3.11-slim stand-in: debootstrap bookworm + docker import"):
            build_python_stand_in(engine, workdir)
        with step(f"Redis stand-in {REDIS_IMAGE} (Debian's redis-server)"):
            build_redis_stand_in(engine, workdir)
        build_images(engine, workdir)
        project = Project(engine, workdir, compose)
        exercise(project)
    except (Failed, WaitTimeout) as exc:
        say(f"FAILED: {exc}")
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with step("teardown: compose down -v, dockerd, temporary directory"):
            _teardown(project, engine, workdir)
    say("image-test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
