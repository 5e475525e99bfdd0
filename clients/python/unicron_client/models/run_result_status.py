from typing import Literal

RunResultStatus = Literal["aborted", "failure", "missed", "queued", "running", "skipped", "success"]

RUN_RESULT_STATUS_VALUES: set[RunResultStatus] = {
    "aborted",
    "failure",
    "missed",
    "queued",
    "running",
    "skipped",
    "success",
}


def check_run_result_status(value: str) -> RunResultStatus:
    if value in RUN_RESULT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RUN_RESULT_STATUS_VALUES!r}")
