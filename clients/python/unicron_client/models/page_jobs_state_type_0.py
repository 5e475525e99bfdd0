from typing import Literal

PageJobsStateType0 = Literal["active", "failing", "paused", "running"]

PAGE_JOBS_STATE_TYPE_0_VALUES: set[PageJobsStateType0] = {
    "active",
    "failing",
    "paused",
    "running",
}


def check_page_jobs_state_type_0(value: str) -> PageJobsStateType0:
    if value in PAGE_JOBS_STATE_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PAGE_JOBS_STATE_TYPE_0_VALUES!r}")
