from typing import Literal

AbortedStatus = Literal["aborted", "aborting"]

ABORTED_STATUS_VALUES: set[AbortedStatus] = {
    "aborted",
    "aborting",
}


def check_aborted_status(value: str) -> AbortedStatus:
    if value in ABORTED_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ABORTED_STATUS_VALUES!r}")
