from typing import Literal

JobViewState = Literal["active", "failing", "paused", "running"]

JOB_VIEW_STATE_VALUES: set[JobViewState] = {
    "active",
    "failing",
    "paused",
    "running",
}


def check_job_view_state(value: str) -> JobViewState:
    if value in JOB_VIEW_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_VIEW_STATE_VALUES!r}")
