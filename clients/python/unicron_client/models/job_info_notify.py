from typing import Literal

JobInfoNotify = Literal["always", "change", "failure", "never"]

JOB_INFO_NOTIFY_VALUES: set[JobInfoNotify] = {
    "always",
    "change",
    "failure",
    "never",
}


def check_job_info_notify(value: str) -> JobInfoNotify:
    if value in JOB_INFO_NOTIFY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_INFO_NOTIFY_VALUES!r}")
