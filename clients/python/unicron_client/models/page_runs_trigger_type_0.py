from typing import Literal

PageRunsTriggerType0 = Literal["catchup", "manual", "retry", "schedule"]

PAGE_RUNS_TRIGGER_TYPE_0_VALUES: set[PageRunsTriggerType0] = {
    "catchup",
    "manual",
    "retry",
    "schedule",
}


def check_page_runs_trigger_type_0(value: str) -> PageRunsTriggerType0:
    if value in PAGE_RUNS_TRIGGER_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PAGE_RUNS_TRIGGER_TYPE_0_VALUES!r}")
