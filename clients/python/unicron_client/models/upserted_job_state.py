from typing import Literal

UpsertedJobState = Literal["active", "failing", "paused", "running"]

UPSERTED_JOB_STATE_VALUES: set[UpsertedJobState] = {
    "active",
    "failing",
    "paused",
    "running",
}


def check_upserted_job_state(value: str) -> UpsertedJobState:
    if value in UPSERTED_JOB_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {UPSERTED_JOB_STATE_VALUES!r}")
