from typing import Literal

RunResultTrigger = Literal["catchup", "manual", "retry", "schedule"]

RUN_RESULT_TRIGGER_VALUES: set[RunResultTrigger] = {
    "catchup",
    "manual",
    "retry",
    "schedule",
}


def check_run_result_trigger(value: str) -> RunResultTrigger:
    if value in RUN_RESULT_TRIGGER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RUN_RESULT_TRIGGER_VALUES!r}")
