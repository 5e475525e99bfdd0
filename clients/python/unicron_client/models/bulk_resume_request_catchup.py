from typing import Literal

BulkResumeRequestCatchup = Literal["latest", "none"]

BULK_RESUME_REQUEST_CATCHUP_VALUES: set[BulkResumeRequestCatchup] = {
    "latest",
    "none",
}


def check_bulk_resume_request_catchup(value: str) -> BulkResumeRequestCatchup:
    if value in BULK_RESUME_REQUEST_CATCHUP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BULK_RESUME_REQUEST_CATCHUP_VALUES!r}")
