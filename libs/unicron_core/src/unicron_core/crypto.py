"""AES-256-GCM for every stored record.

A record is ``version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext+tag``. The data
key is HKDF-SHA256 of the cluster key; the key id is a separate HKDF output, so it says which key
wrote a record without revealing anything about the key. The associated data binds the header, the
record kind and the record id: a ciphertext copied to another record fails to decrypt.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from unicron_core.errors import UnreadableRecord

FORMAT_VERSION = 1
KEY_ID_BYTES = 4
NONCE_BYTES = 12
HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES
_SALT = b"unicron/v1"


def _hkdf(secret: str, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info).derive(secret.encode())


def key_id(secret: str) -> bytes:
    """The public 4-byte id of a cluster key."""
    return _hkdf(secret, b"unicron key id", KEY_ID_BYTES)


class Cipher:
    """Encrypts with the current cluster key; decrypts with it or any old key."""

    def __init__(self, key: str, old_keys: Iterable[str] = ()) -> None:
        self._current = key_id(key)
        self._aeads = {key_id(k): AESGCM(_hkdf(k, b"unicron data key", 32)) for k in (*old_keys, key)}

    @property
    def current_key_id(self) -> bytes:
        """The id of the key new records are written with."""
        return self._current

    def encrypt(self, *, kind: str, record_id: str, plaintext: bytes) -> bytes:
        """Encrypts one record with a fresh random nonce."""
        header = bytes([FORMAT_VERSION]) + self._current + os.urandom(NONCE_BYTES)
        aad = _aad(header, kind, record_id)
        return header + self._aeads[self._current].encrypt(header[-NONCE_BYTES:], plaintext, aad)

    def decrypt(self, *, kind: str, record_id: str, blob: bytes) -> bytes:
        """Decrypts one record.

        Raises:
            UnreadableRecord: the record was altered, moved from another record, or written with a
                key this node does not hold.
        """
        if len(blob) <= HEADER_BYTES or blob[0] != FORMAT_VERSION:
            raise UnreadableRecord(f"{kind} {record_id}: not a Unicron record")
        header = blob[:HEADER_BYTES]
        aead = self._aeads.get(header[1 : 1 + KEY_ID_BYTES])
        if aead is None:
            raise UnreadableRecord(f"{kind} {record_id}: written with a key this node does not have")
        try:
            return aead.decrypt(header[-NONCE_BYTES:], blob[HEADER_BYTES:], _aad(header, kind, record_id))
        except InvalidTag:
            raise UnreadableRecord(f"{kind} {record_id}: failed authentication") from None


def _aad(header: bytes, kind: str, record_id: str) -> bytes:
    return header + b"|" + kind.encode() + b"|" + record_id.encode()
