from typing import Literal

JobSpecCatchup = Literal["all", "latest", "none"]

JOB_SPEC_CATCHUP_VALUES: set[JobSpecCatchup] = {
    "all",
    "latest",
    "none",
}


def check_job_spec_catchup(value: str) -> JobSpecCatchup:
    if value in JOB_SPEC_CATCHUP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_SPEC_CATCHUP_VALUES!r}")
