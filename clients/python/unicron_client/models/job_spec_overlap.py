from typing import Literal

JobSpecOverlap = Literal["allow", "forbid", "replace"]

JOB_SPEC_OVERLAP_VALUES: set[JobSpecOverlap] = {
    "allow",
    "forbid",
    "replace",
}


def check_job_spec_overlap(value: str) -> JobSpecOverlap:
    if value in JOB_SPEC_OVERLAP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_SPEC_OVERLAP_VALUES!r}")
