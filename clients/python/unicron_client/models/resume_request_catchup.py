from typing import Literal

ResumeRequestCatchup = Literal["latest", "none"]

RESUME_REQUEST_CATCHUP_VALUES: set[ResumeRequestCatchup] = {
    "latest",
    "none",
}


def check_resume_request_catchup(value: str) -> ResumeRequestCatchup:
    if value in RESUME_REQUEST_CATCHUP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RESUME_REQUEST_CATCHUP_VALUES!r}")
