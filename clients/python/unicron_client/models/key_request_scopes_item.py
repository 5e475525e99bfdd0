from typing import Literal

KeyRequestScopesItem = Literal["admin", "commands", "jobs:read", "jobs:write", "tasks:write"]

KEY_REQUEST_SCOPES_ITEM_VALUES: set[KeyRequestScopesItem] = {
    "admin",
    "commands",
    "jobs:read",
    "jobs:write",
    "tasks:write",
}


def check_key_request_scopes_item(value: str) -> KeyRequestScopesItem:
    if value in KEY_REQUEST_SCOPES_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KEY_REQUEST_SCOPES_ITEM_VALUES!r}")
