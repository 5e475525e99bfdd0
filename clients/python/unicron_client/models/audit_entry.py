from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """One write: who, from where, when, what and to what.

    Attributes:
        at (float): epoch seconds
        actor (str): the name of the API key (operator: the CLI with the cluster key)
        ip (None | str): the client's address; null from the CLI
        action (str): what was done, e.g. job.update, job.pause, key.revoke
        target (str): what it was done to: a job id, a key name, the cluster
        fields (list[str] | Unset): the names of the fields it changed
        id (str | Unset): the entry's id, the cursor of the page after it Default: ''.
    """

    at: float
    actor: str
    ip: None | str
    action: str
    target: str
    fields: list[str] | Unset = UNSET
    id: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at

        actor = self.actor

        ip: None | str
        ip = self.ip

        action = self.action

        target = self.target

        fields: list[str] | Unset = UNSET
        if not isinstance(self.fields, Unset):
            fields = self.fields

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "actor": actor,
                "ip": ip,
                "action": action,
                "target": target,
            }
        )
        if fields is not UNSET:
            field_dict["fields"] = fields
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = d.pop("at")

        actor = d.pop("actor")

        def _parse_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ip = _parse_ip(d.pop("ip"))

        action = d.pop("action")

        target = d.pop("target")

        fields = cast(list[str], d.pop("fields", UNSET))

        id = d.pop("id", UNSET)

        audit_entry = cls(
            at=at,
            actor=actor,
            ip=ip,
            action=action,
            target=target,
            fields=fields,
            id=id,
        )

        audit_entry.additional_properties = d
        return audit_entry

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
