from typing import Literal

TaskSpecNotify = Literal["always", "change", "failure", "never"]

TASK_SPEC_NOTIFY_VALUES: set[TaskSpecNotify] = {
    "always",
    "change",
    "failure",
    "never",
}


def check_task_spec_notify(value: str) -> TaskSpecNotify:
    if value in TASK_SPEC_NOTIFY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TASK_SPEC_NOTIFY_VALUES!r}")
