from typing import Literal

TaskSpecHttpMethod = Literal["delete", "get", "head", "options", "patch", "post", "put"]

TASK_SPEC_HTTP_METHOD_VALUES: set[TaskSpecHttpMethod] = {
    "delete",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
}


def check_task_spec_http_method(value: str) -> TaskSpecHttpMethod:
    if value in TASK_SPEC_HTTP_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TASK_SPEC_HTTP_METHOD_VALUES!r}")
