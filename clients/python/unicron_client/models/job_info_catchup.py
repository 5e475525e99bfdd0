from typing import Literal

JobInfoCatchup = Literal["all", "latest", "none"]

JOB_INFO_CATCHUP_VALUES: set[JobInfoCatchup] = {
    "all",
    "latest",
    "none",
}


def check_job_info_catchup(value: str) -> JobInfoCatchup:
    if value in JOB_INFO_CATCHUP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_INFO_CATCHUP_VALUES!r}")
