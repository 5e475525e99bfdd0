from typing import Literal

UpsertedJobOutcome = Literal["created", "unchanged", "updated"]

UPSERTED_JOB_OUTCOME_VALUES: set[UpsertedJobOutcome] = {
    "created",
    "unchanged",
    "updated",
}


def check_upserted_job_outcome(value: str) -> UpsertedJobOutcome:
    if value in UPSERTED_JOB_OUTCOME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {UPSERTED_JOB_OUTCOME_VALUES!r}")
