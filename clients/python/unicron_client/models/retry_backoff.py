from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RetryBackoff")


@_attrs_define
class RetryBackoff:
    """How long a failed run waits before its next attempt (``policy.retry_delay_s``).

    Attributes:
        initial_s (float | Unset): seconds at least between a failed attempt and the next Default: 10.0.
        max_s (float | Unset): seconds at most between two attempts Default: 600.0.
    """

    initial_s: float | Unset = 10.0
    max_s: float | Unset = 600.0

    def to_dict(self) -> dict[str, Any]:
        initial_s = self.initial_s

        max_s = self.max_s

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if initial_s is not UNSET:
            field_dict["initial_s"] = initial_s
        if max_s is not UNSET:
            field_dict["max_s"] = max_s

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        initial_s = d.pop("initial_s", UNSET)

        max_s = d.pop("max_s", UNSET)

        retry_backoff = cls(
            initial_s=initial_s,
            max_s=max_s,
        )

        return retry_backoff
