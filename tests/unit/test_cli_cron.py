"""`unicron cron next`: a schedule's fire times, checked without waiting."""

from __future__ import annotations

import pytest

from unicron.cli import main


def test_spring_forward_gap_fires_once_right_after(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "cron",
        "next",
        "30 2 * * *",
        "--tz",
        "America/New_York",
        "--after",
        "2025-03-08T12:00",
        "--count",
        "2",
    ]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert printed.out.splitlines() == ["2025-03-09T03:00:00-04:00", "2025-03-10T02:30:00-04:00"]
    # What it does, in words, first and on stderr: stdout stays one time a line.
    assert printed.err == (
        "at 02:30 every day, America/New_York; "
        "on spring-forward days 02:30 does not exist and it runs at 03:00 instead\n"
    )


def test_seconds_and_offsets(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["cron", "next", "*/20 * * * * *", "--tz", "Asia/Kolkata", "--after", "2026-01-01T00:00:00Z"])
        == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "2026-01-01T05:30:20+05:30",
        "2026-01-01T05:30:40+05:30",
        "2026-01-01T05:31:00+05:30",
        "2026-01-01T05:31:20+05:30",
        "2026-01-01T05:31:40+05:30",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["61 * * * *"], "minute 61 is out of range 0-59"),
        (["* * * * *", "--tz", "Mars/Olympus"], "Mars/Olympus"),
        (["* * * * *", "--after", "yesterday"], "--after: 'yesterday' is not an ISO 8601 time"),
        (["* * * * *", "--after", "0999-01-01T00:00"], "--after: must be in the years 1901-7999"),
    ],
)
def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(["cron", "next", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("unicron: ") and message in err and err.count("\n") == 1
