"""One definition of a job's fields: the API's view and the CLI's options follow the model.

The claim: an optional field added to the model (``unicron_core.models``) reaches a job's ``info`` in
answers, the response schema, ``unicron job add`` and ``unicron task run`` with no other change.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import types
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from unicron import commands
from unicron.options import ModelOptions
from unicron_core import models, records, views
from unicron_core.errors import ConfigError
from unicron_core.models import JobSpec, TaskSpec
from unicron_core.views import JobInfo, JobView

ADDED = """
    description: str | None = Field(None, max_length=500, description="what it is for, for people")
"""


@pytest.fixture(scope="module")
def variant() -> Iterator[types.ModuleType]:
    """``unicron_core.models`` with one optional field added, as a developer would add it: a line in
    ``RunFields``, the fields jobs and tasks share; and ``unicron_core.records`` and ``views`` made
    from it."""
    source = inspect.getsource(models)
    anchor = source.index('    name: str = Field(min_length=1, max_length=NAME_MAX, description="a label')
    module = types.ModuleType("unicron_core._models_variant")
    module.__file__ = models.__file__
    sys.modules[module.__name__] = module  # pydantic resolves the annotations in the module
    try:
        code = compile(source[:anchor] + ADDED.lstrip("\n") + source[anchor:], "<variant>", "exec")
        exec(code, module.__dict__)  # noqa: S102 - the module's own source, one line added
        for made_from_it in (records, views):  # their own source, on the variant: their imports of the
            own = re.sub(  # real models and records left out
                r"^from unicron_core\.(models|records) import (\([^)]*\)|.*$)",
                "",
                inspect.getsource(made_from_it),
                flags=re.M,
            )
            exec(compile(own, f"<variant {made_from_it.__name__}>", "exec"), module.__dict__)  # noqa: S102
        yield module
    finally:
        del sys.modules[module.__name__]


def _parse(options: ModelOptions, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(exit_on_error=False)
    options.add_to(parser)
    return parser.parse_args(argv)


def test_an_added_field_reaches_the_view_its_schema_and_the_options(variant: types.ModuleType) -> None:
    spec = variant.JobSpec(name="n", schedule="@daily", command="true", description="backs up the db")
    view = variant.JobView.of(variant.JobRecord(job_id="j" * 16, spec=spec, created=1.0))
    assert view.info.description == "backs up the db"
    schema = variant.JobInfo.model_json_schema(mode="serialization")
    assert "description" in schema["required"]  # every answer carries it, null or not

    for model in (variant.JobSpec, variant.TaskSpec):
        options = ModelOptions(model)
        args = _parse(options, "--description", "backs up the db")
        assert options.payload(args, {}) == {"description": "backs up the db"}
        (option,) = [o for o in options.options if o.field == "description"]
        assert option.option == "--description" and option.info.description == "what it is for, for people"
    with pytest.raises(ValidationError):
        variant.JobSpec(name="n", schedule="@daily", command="true", description="x" * 501)


def test_the_view_shows_every_field_of_the_spec_but_its_schedule() -> None:
    assert list(JobInfo.model_fields) == [name for name in JobSpec.model_fields if name != "schedule"]
    for name, field in JobInfo.model_fields.items():
        assert field.annotation == JobSpec.model_fields[name].annotation, name
    schema = JobInfo.model_json_schema(mode="serialization")
    assert schema["required"] == list(JobInfo.model_fields)


def test_the_view_masks_header_values() -> None:
    spec = JobSpec(
        name="n",
        schedule="@daily",
        http_url="http://x.test/",
        http_headers={"A": "s1"},
        hook_headers={"B": "s2"},
    )
    view = JobView.of(records.JobRecord(job_id="j" * 16, spec=spec, created=1.0))
    assert (view.info.http_headers, view.info.hook_headers) == ({"A": "***"}, {"B": "***"})


@pytest.mark.parametrize("model", [JobSpec, TaskSpec])
def test_every_field_is_an_option(model: type[JobSpec] | type[TaskSpec]) -> None:
    options = ModelOptions(model)
    assert sorted(o.field for o in options.options) == sorted(model.model_fields)
    parser = argparse.ArgumentParser()
    options.add_to(parser)
    dests = {action.dest for action in parser._actions}
    assert set(model.model_fields) <= dests


def test_job_add_takes_the_options_of_before() -> None:
    args = commands.parse(
        ["job", "add", "--name", "ping", "--schedule", "*/5 * * * *", "--url", "https://example.test/ping",
         "--method", "POST", "--header", "X-Token: secret", "--header", "B:2", "--data", "source=unicron",
         "--data", "a=b=c", "--email", "ops@example.test", "--hook-url", "https://example.test/hook",
         "--hook-header", "H: v", "--timeout", "2.5", "--follow-redirects", "--timezone", "Asia/Tokyo",
         "--catchup", "none", "--misfire-grace", "30"]
    )  # fmt: skip
    payload = commands.job_options().payload(args, {})
    assert payload == {
        "name": "ping",
        "schedule": "*/5 * * * *",
        "http_url": "https://example.test/ping",
        "http_method": "post",
        "http_headers": {"X-Token": "secret", "B": "2"},
        "http_data": {"source": "unicron", "a": "b=c"},
        "email": "ops@example.test",
        "hook_url": "https://example.test/hook",
        "hook_headers": {"H": "v"},
        "timeout": 2.5,
        "follow_redirects": True,
        "timezone": "Asia/Tokyo",
        "catchup": "none",
        "misfire_grace": 30,
    }
    JobSpec.model_validate(payload)  # the payload is the model's shape
    assert args.action == "job_add"


def test_task_run_takes_the_options_of_before() -> None:
    args = commands.parse(["task", "run", "--name", "t", "--command", "echo hi", "--retries", "2", "--wait"])
    assert commands.task_options().payload(args, {}) == {"name": "t", "command": "echo hi", "retries": 2}
    assert (args.action, args.wait) == ("task_run", True)


def test_options_go_on_top_of_the_file() -> None:
    document = {
        "name": "from-file",
        "schedule": "@hourly",
        "command": "true",
        "follow_redirects": True,
        "http_data": {"kept": "1", "replaced": "old"},
    }
    args = commands.parse(
        ["job", "add", "--name", "renamed", "--no-follow-redirects", "--data", "replaced=new"]
    )
    assert commands.job_options().payload(args, document) == {
        **document,
        "name": "renamed",
        "follow_redirects": False,
        "http_data": {"kept": "1", "replaced": "new"},
    }
    assert commands.job_options().payload(commands.parse(["job", "add"]), document) == document


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--header", "no-colon"], "--header takes NAME:VALUE, not 'no-colon'"),
        (["--header", ": v"], "--header takes NAME:VALUE"),
        (["--data", "=v"], "--data takes KEY=VALUE"),
    ],
)
def test_a_bad_pair_is_one_clear_error(argv: list[str], says: str) -> None:
    args = commands.parse(["job", "add", *argv])
    with pytest.raises(ConfigError, match=says):
        commands.job_options().payload(args, {})


@pytest.mark.parametrize(
    "argv",
    [
        ["--url", "https://example.test/", "--command", "true"],  # one or the other
        ["--method", "fetch"],
        ["--catchup", "some"],
        ["--timeout", "soon"],
    ],
)
def test_argparse_refuses_what_it_can(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        commands.parse(["job", "add", *argv])


def test_choices_and_help_come_from_the_model(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # argparse wraps at hyphens (Content-Type)
    with pytest.raises(SystemExit):
        commands.parse(["job", "add", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--method {get,post,put,patch,delete,head,options}" in text
    assert "--catchup {latest,none,all}" in text
    for name, field in JobSpec.model_fields.items():
        assert field.description and " ".join(field.description.split()) in text, name
