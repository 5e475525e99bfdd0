from typing import Literal

JobSpecNotify = Literal["always", "change", "failure", "never"]

JOB_SPEC_NOTIFY_VALUES: set[JobSpecNotify] = {
    "always",
    "change",
    "failure",
    "never",
}


def check_job_spec_notify(value: str) -> JobSpecNotify:
    if value in JOB_SPEC_NOTIFY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_SPEC_NOTIFY_VALUES!r}")
