"""The original Unicron's response envelope, for answers and errors alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """``{"success": bool, "msg": str, "result": ...}``."""

    success: bool
    msg: str
    result: T


def ok(result: Any, msg: str = "ok") -> dict[str, Any]:
    """A successful envelope."""
    return {"success": True, "msg": msg, "result": result}


def error_response(
    status: int, msg: str, result: Any = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A failed envelope with an honest status code."""
    return JSONResponse({"success": False, "msg": msg, "result": result}, status_code=status, headers=headers)
