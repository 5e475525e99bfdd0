"""Job and task specs: the original field names, validation messages, masking."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from unicron_core.models import MASK, JobSpec, TaskSpec
from unicron_core.records import JobRecord


def test_original_payload_is_accepted() -> None:
    spec = JobSpec.model_validate(
        {
            "name": "backup",
            "schedule": "0 3 * * *",
            "http_url": "https://example.test/run",
            "http_method": "PUT",
            "http_headers": {"X-Key": "k"},
            "http_data": {"a": 1},
            "email": "ops@example.test",
            "hook_url": "https://example.test/hook",
            "hook_headers": None,
        }
    )
    assert spec.http_method == "put"
    assert spec.hook_headers == {}
    assert spec.kind == "http"


def test_exactly_one_action() -> None:
    with pytest.raises(ValidationError, match="exactly one of http_url and command"):
        TaskSpec(name="t")
    with pytest.raises(ValidationError, match="exactly one of http_url and command"):
        TaskSpec(name="t", command="true", http_url="http://x.test/")


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"schedule": "61 * * * *"}, ("schedule",)),
        ({"schedule": "0 2 * * *", "timezone": "Mars/Olympus"}, ("timezone",)),
        ({"schedule": "61 * * * *", "timezone": "Mars/Olympus"}, ("timezone",)),  # not judged without a zone
    ],
)
def test_schedule_and_zone_errors_name_their_field(fields: dict[str, str], where: tuple[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        JobSpec.model_validate({"name": "n", "command": "true", **fields})
    assert [error["loc"] for error in caught.value.errors()] == [where]


@pytest.mark.parametrize("email", ["a@b.test", "a@b.test, c@d.test"])
def test_emails(email: str) -> None:
    assert TaskSpec(name="t", command="true", email=email).email == email


@pytest.mark.parametrize("headers", [{"bad name": "v"}, {"X": "a\nb"}, {"X": "v" * 9000}])
def test_bad_headers(headers: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        TaskSpec(name="t", command="true", http_headers=headers)


def test_public_view_masks_headers_and_keeps_original_shape() -> None:
    spec = JobSpec(
        name="n",
        schedule="@daily",
        http_url="http://x.test/",
        http_headers={"A": "s1"},
        hook_url="http://x.test/h",
        hook_headers={"B": "s2"},
        timezone="UTC",
    )
    view = JobRecord(job_id="j", spec=spec, created=1.0).public()
    assert set(view) >= {"last_run", "run_count", "schedule", "info", "next_run", "timezone"}
    assert view["info"]["http_headers"] == {"A": MASK}
    assert view["info"]["hook_headers"] == {"B": MASK}
    assert "schedule" not in view["info"]
    assert "s1" not in str(view) and "s2" not in str(view)
