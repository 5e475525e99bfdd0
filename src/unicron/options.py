"""Command-line options made from a model's fields, for ``unicron job add`` and ``unicron task run``.

Every field of the model is an option: ``--`` and its name with dashes (``misfire_grace`` is
``--misfire-grace``), its description the help, a ``Literal`` its choices, ``int`` and ``float``
their types, a ``bool`` a pair of flags (``--follow-redirects``, ``--no-follow-redirects``), a
``dict`` a repeatable ``KEY=VALUE``, a ``list`` a repeatable option of one item each (``--tag``), any
other type a JSON value. ``FLAGS`` keeps the options that predate this module under their names
(``--url`` for ``http_url``, ``--header NAME:VALUE``) and names a list's option for one item.

An option not given is left out of the payload, so a ``--file`` document keeps its value; a dict
option adds its keys to the document's (as a JSON merge patch merges objects), a list option
replaces the document's list (as a merge patch replaces arrays).
"""

from __future__ import annotations

import argparse
import json
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from unicron_core.errors import ConfigError


@dataclass(frozen=True)
class Flag:
    """How a field is spelled on the command line, where it differs from the rule."""

    option: str | None = None  # default: --<name-with-dashes>
    metavar: str | None = None
    separator: str = "="  # between the key and the value of a dict option's pairs
    strip: bool = False  # strip the spaces around a pair's key and value ("X-Token: secret")
    exclusive: bool = False  # at most one of the exclusive options may be given


Kind = Literal["choice", "text", "int", "float", "flag", "pairs", "items", "json"]
SCALARS: dict[Any, Kind] = {str: "text", int: "int", float: "float", bool: "flag"}
TYPES = {"text": str, "int": int, "float": float}

FLAGS = {
    "http_url": Flag("--url", metavar="URL", exclusive=True),
    "command": Flag(exclusive=True),  # exactly one of the two, as the specs want
    "http_method": Flag("--method"),
    "http_headers": Flag("--header", metavar="NAME:VALUE", separator=":", strip=True),
    "http_data": Flag("--data", metavar="KEY=VALUE"),
    "hook_url": Flag(metavar="URL"),
    "hook_headers": Flag("--hook-header", metavar="NAME:VALUE", separator=":", strip=True),
    "tags": Flag("--tag", metavar="TAG"),
    "managed_by": Flag(metavar="OWNER"),
}


@dataclass(frozen=True)
class Option:
    """One field's option."""

    field: str
    info: FieldInfo
    flag: Flag

    @property
    def option(self) -> str:
        """``--url``, ``--misfire-grace``."""
        return self.flag.option or "--" + self.field.replace("_", "-")

    @property
    def kind(self) -> Kind:
        """What the field holds, ``None`` aside: the option's shape follows from it."""
        annotation = _bare(_without_none(self.info.annotation))
        origin = get_origin(annotation)
        if origin is Literal:
            return "choice"
        if origin is dict:
            return "pairs"
        if origin is list and get_args(annotation) and _bare(get_args(annotation)[0]) is str:
            return "items"
        return SCALARS.get(annotation, "json")


class ModelOptions:
    """The options of ``model``'s fields, and the payload they make. In the help, the required ones
    come first, then the exclusive ones, then the others, each in the model's order."""

    def __init__(self, model: type[BaseModel]) -> None:
        self._fields = model.model_fields
        options = [Option(name, info, FLAGS.get(name, Flag())) for name, info in model.model_fields.items()]
        self.options = sorted(options, key=lambda o: (not o.info.is_required(), not o.flag.exclusive))

    def add_to(self, parser: argparse.ArgumentParser, *, change: bool = False) -> None:
        """Adds an option per field to ``parser``; each keeps its value under the field's name.
        ``change``: the options change a definition (``job edit``), so none is required and none has a
        default to mention."""
        exclusive = parser.add_mutually_exclusive_group()
        for option in self.options:
            group = exclusive if option.flag.exclusive else parser
            help_text = _help(option, change=change)
            group.add_argument(option.option, dest=option.field, help=help_text, **_argument(option))

    def optional(self) -> list[str]:
        """The fields that may be cleared (``null`` in a merge patch), in the model's order."""
        return [o.field for o in sorted(self.options, key=self._order) if not o.info.is_required()]

    def _order(self, option: Option) -> int:
        return list(self._fields).index(option.field)

    def payload(self, args: argparse.Namespace, document: dict[str, Any]) -> dict[str, Any]:
        """``document`` with the options given in ``args`` on top of it.

        Raises:
            ConfigError: a pair without its separator, or a value that is not JSON.
        """
        payload = dict(document)
        for option, value in self._given(args):
            if option.kind == "pairs":
                payload[option.field] = {**(payload.get(option.field) or {}), **value}
            else:
                payload[option.field] = value
        return payload

    def option_of(self, field: str) -> str:
        """The option that sets ``field`` (for messages)."""
        return next((o.option for o in self.options if o.field == field), field)

    def _given(self, args: argparse.Namespace) -> Iterator[tuple[Option, Any]]:
        for option in self.options:
            value = getattr(args, option.field)
            if value is None or value == []:
                continue
            if option.kind == "pairs":
                yield option, dict(_pair(option, text) for text in value)
            elif option.kind == "json":
                yield option, _json(option, value)
            else:
                yield option, value


def _argument(option: Option) -> dict[str, Any]:
    """``add_argument``'s keywords for ``option``'s type; no default: what is not given is None."""
    kind, metavar = option.kind, option.flag.metavar
    if kind == "choice":
        choices = get_args(_without_none(option.info.annotation))
        lower = all(isinstance(choice, str) and choice == choice.lower() for choice in choices)
        return {"choices": choices, "type": str.lower if lower else str}  # GET is get, as in the API
    if kind == "flag":
        return {"action": argparse.BooleanOptionalAction}
    if kind == "pairs":
        sep = option.flag.separator
        return {"action": "append", "default": [], "metavar": metavar or f"KEY{sep}VALUE"}
    if kind == "items":
        return {"action": "append", "default": [], "metavar": metavar or "ITEM"}
    if kind == "json":
        return {"metavar": metavar or "JSON"}
    name = option.option.removeprefix("--").replace("-", "_").upper()
    return {"type": TYPES[kind], "metavar": metavar or ("N" if kind in ("int", "float") else name)}


def _help(option: Option, *, change: bool) -> str:
    text = option.info.description or ""
    if option.kind in ("pairs", "items"):
        text += " (repeatable)"
    elif change:
        pass
    elif option.info.is_required():
        text += " (required)"
    elif option.kind != "flag" and option.info.default not in (None, PydanticUndefined):
        text += f" (default: {option.info.default})"
    return text.replace("%", "%%")  # argparse formats help with %


def _pair(option: Option, text: str) -> tuple[str, str]:
    key, sep, value = text.partition(option.flag.separator)
    if option.flag.strip:
        key, value = key.strip(), value.strip()
    if not sep or not key:
        raise ConfigError(f"{option.option} takes {_argument(option)['metavar']}, not {text!r}")
    return key, value


def _json(option: Option, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ConfigError(f"{option.option} takes a JSON value, not {text!r}") from None


def _bare(annotation: Any) -> Any:
    """``X`` for ``Annotated[X, ...]`` (a type with constraints, such as ``Label``)."""
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _without_none(annotation: Any) -> Any:
    """``X`` for ``X | None`` (and ``Optional[X]``); any other annotation as it is."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation
