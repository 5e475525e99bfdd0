from typing import Literal

JobSpecHttpMethod = Literal["delete", "get", "head", "options", "patch", "post", "put"]

JOB_SPEC_HTTP_METHOD_VALUES: set[JobSpecHttpMethod] = {
    "delete",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
}


def check_job_spec_http_method(value: str) -> JobSpecHttpMethod:
    if value in JOB_SPEC_HTTP_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_SPEC_HTTP_METHOD_VALUES!r}")
