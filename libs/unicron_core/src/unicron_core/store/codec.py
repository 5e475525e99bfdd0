"""Records in and out of Redis: pydantic models as JSON, sealed with the cluster key. Each
ciphertext is bound to its kind and id (a record moved elsewhere fails to open)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from unicron_core.crypto import Cipher
from unicron_core.errors import UnreadableRecord
from unicron_core.models import STORED

M = TypeVar("M", bound=BaseModel)


class Codec:
    """Seals and opens records with one cipher."""

    def __init__(self, cipher: Cipher) -> None:
        self.cipher = cipher

    def seal(self, kind: str, record_id: str, record: BaseModel | str | bytes) -> bytes:
        """``record`` (a model, a text or bytes) as ciphertext. A model's fields at their defaults
        are left out (a job's definition: ~90 bytes where all of its fields took ~470): opened, they
        are the defaults again."""
        if isinstance(record, BaseModel):
            plain = record.model_dump_json(exclude_defaults=True).encode()
        else:
            plain = record.encode() if isinstance(record, str) else record
        return self.cipher.encrypt(kind=kind, record_id=record_id, plaintext=plain)

    def open(self, kind: str, record_id: str, blob: object, model: type[M]) -> M:
        """The model sealed in ``blob``.

        Raises:
            UnreadableRecord: missing, tampered with, or sealed with a key this node lacks.
        """
        return model.model_validate_json(self.open_bytes(kind, record_id, blob), context=STORED)

    def open_text(self, kind: str, record_id: str, blob: object) -> str:
        """The text sealed in ``blob`` (see ``open``)."""
        return self.open_bytes(kind, record_id, blob).decode()

    def open_bytes(self, kind: str, record_id: str, blob: object) -> bytes:
        """The plaintext sealed in ``blob`` (see ``open``)."""
        if not isinstance(blob, bytes):
            raise UnreadableRecord(f"{kind} {record_id}: missing")
        return self.cipher.decrypt(kind=kind, record_id=record_id, blob=blob)
