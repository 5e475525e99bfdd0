"""Request bodies are strict JSON (RFC 8259): no ``NaN`` or ``Infinity``, no number beyond a float.

Python's ``json`` reads ``NaN``, ``Infinity`` and ``1e400`` (as infinity); stored, they would come
back as ``null``, silently changing what the caller sent. They are refused as malformed JSON (400),
and so are bodies that are not UTF-8 or nest too deeply, with a message saying so.

A secured route reads its body as JSON whatever its Content-Type says, as the original did (Flask's
``get_json(force=True)``): ``curl -d`` labels a body ``application/x-www-form-urlencoded``. The
bearer key those routes need keeps cross-site forms out, as a browser form cannot send it.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from fastapi import Request

_JSON_CONTENT_TYPE = (b"content-type", b"application/json")


class _NotJSON(ValueError):
    pass


def loads(body: bytes | str) -> Any:
    """Parses a JSON document, refusing what RFC 8259 does not allow.

    Raises:
        json.JSONDecodeError: malformed, or a non-finite number.
    """
    try:
        return json.loads(body, parse_constant=_constant, parse_float=_finite)
    except json.JSONDecodeError:
        raise
    except UnicodeDecodeError:
        why = "the body is not UTF-8"
    except RecursionError:
        why = "nested too deeply"
    except _NotJSON as exc:
        why = str(exc)
    except ValueError:  # what remains: an integer longer than CPython's limit
        why = f"an integer has more than {sys.get_int_max_str_digits()} digits"
    doc = body.decode(errors="replace") if isinstance(body, bytes) else body
    raise json.JSONDecodeError(why, doc, 0)


def _constant(name: str) -> float:
    raise _NotJSON(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJSON(f"number {text[:40]} is too large")
    return value


class StrictJSONRequest(Request):
    """A request whose JSON body is read with ``loads``."""

    @classmethod
    def labelled_json(cls, request: Request) -> StrictJSONRequest:
        """``request`` with its body labelled ``application/json``, whatever its Content-Type said
        (FastAPI passes a body of any other type to validation as bytes)."""
        headers = [header for header in request.scope["headers"] if header[0] != b"content-type"]
        headers.append(_JSON_CONTENT_TYPE)
        return cls({**request.scope, "headers": headers}, request.receive)

    async def json(self) -> Any:
        """The body, parsed once."""
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json
