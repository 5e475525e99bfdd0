"""How ``http_data`` is sent, and the models' refusal of data that cannot go in a URL's query."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from unicron_core.httpdata import URL_MAX_CHARS, over_long_url, with_query
from unicron_core.models import JobSpec, RunSpec, TaskSpec

BASE = "http://example.test/p?keep=1&a=0"
QUERY_METHODS = ["get", "delete", "head", "options"]


def data_making(length: int, char: str = "x") -> dict[str, Any]:
    """``http_data`` whose URL, merged into ``BASE``'s query, is ``length`` characters."""
    fixed = len(str(with_query(httpx.URL(BASE), {"a": ""})))
    return {"a": char * (length - fixed)}


def test_the_limit_is_httpx_s() -> None:
    url = httpx.URL("http://example.test/")
    assert len(str(url.copy_with(query=b"q" * URL_MAX_CHARS))) > URL_MAX_CHARS  # a query this long is fine
    with pytest.raises(httpx.InvalidURL, match="too long"):
        url.copy_with(query=b"q" * (URL_MAX_CHARS + 1))
    whole = "http://example.test/?"
    httpx.URL(whole + "q" * (URL_MAX_CHARS - len(whole)))
    with pytest.raises(httpx.InvalidURL, match="too long"):
        httpx.URL(whole + "q" * (URL_MAX_CHARS - len(whole) + 1))


@pytest.mark.parametrize("method", QUERY_METHODS)
@pytest.mark.parametrize("model", [JobSpec, TaskSpec])
def test_data_must_fit_in_the_url_of_a_query_method(model: type[RunSpec], method: str) -> None:
    fields: dict[str, Any] = {"name": "n", "http_url": BASE, "http_method": method.upper()}
    if model is JobSpec:
        fields["schedule"] = "@daily"
    at_limit = model.model_validate({**fields, "http_data": data_making(URL_MAX_CHARS)})
    assert len(str(with_query(httpx.URL(BASE), at_limit.http_data))) == URL_MAX_CHARS
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**fields, "http_data": data_making(URL_MAX_CHARS + 1)})
    (error,) = caught.value.errors()
    assert error["loc"] == ("http_data",)
    assert f"makes the URL {URL_MAX_CHARS + 1} characters; the limit is {URL_MAX_CHARS}" in error["msg"]
    assert f"with {method} the data goes in the URL's query string" in error["msg"]


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_body_may_be_larger(method: str) -> None:
    big = {"a": "x" * 900_000}
    assert TaskSpec(name="t", http_url=BASE, http_method=method, http_data=big).http_data == big


def test_what_counts_is_the_url_as_encoded() -> None:
    # 11,000 characters, but "é" is "%C3%A9" in a query: 66,000 and more.
    with pytest.raises(ValidationError, match="the limit is 65536"):
        TaskSpec(name="t", http_url=BASE, http_data={"a": "é" * 11_000})
    nested = {"a": [{"k": "x" * 33_000}, {"k": "y" * 33_000}], "b": True, "c": None, "d": 1.5}
    with pytest.raises(ValidationError, match="the limit is 65536"):
        TaskSpec(name="t", http_url=BASE, http_data=nested)


@pytest.mark.parametrize("char", ["x", " ", "&", "é", "€"])
def test_over_long_url_is_the_length_of_the_url_with_query_writes(char: str) -> None:
    encoded = len(str(httpx.QueryParams({"a": char}))) - len("a=")
    fixed = len(str(with_query(httpx.URL(BASE), {"a": ""})))
    data = {"a": char * ((URL_MAX_CHARS - fixed) // encoded + 1)}
    url = with_query(httpx.URL(BASE), data)  # the query alone is within httpx's limit, the whole is not
    assert len(str(url)) > URL_MAX_CHARS
    assert over_long_url(BASE, data) == len(str(url))


def test_what_fits_is_not_measured_and_what_httpx_cannot_parse_is_left_to_the_egress_guard() -> None:
    assert over_long_url(BASE, {"a": "x" * 100}) is None
    assert over_long_url("http://[::1/", {"a": "x" * URL_MAX_CHARS}) is None
