from typing import Literal

JobInfoOverlap = Literal["allow", "forbid", "replace"]

JOB_INFO_OVERLAP_VALUES: set[JobInfoOverlap] = {
    "allow",
    "forbid",
    "replace",
}


def check_job_info_overlap(value: str) -> JobInfoOverlap:
    if value in JOB_INFO_OVERLAP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_INFO_OVERLAP_VALUES!r}")
