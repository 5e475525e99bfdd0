from typing import Literal

JobInfoHttpMethod = Literal["delete", "get", "head", "options", "patch", "post", "put"]

JOB_INFO_HTTP_METHOD_VALUES: set[JobInfoHttpMethod] = {
    "delete",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
}


def check_job_info_http_method(value: str) -> JobInfoHttpMethod:
    if value in JOB_INFO_HTTP_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_INFO_HTTP_METHOD_VALUES!r}")
