from typing import Literal

PageRunsStatusType0 = Literal["aborted", "failure", "missed", "queued", "running", "skipped", "success"]

PAGE_RUNS_STATUS_TYPE_0_VALUES: set[PageRunsStatusType0] = {
    "aborted",
    "failure",
    "missed",
    "queued",
    "running",
    "skipped",
    "success",
}


def check_page_runs_status_type_0(value: str) -> PageRunsStatusType0:
    if value in PAGE_RUNS_STATUS_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PAGE_RUNS_STATUS_TYPE_0_VALUES!r}")
