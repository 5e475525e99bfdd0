"""AES-256-GCM records: round trips, binding to the record, key ids, old keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unicron_core.crypto import HEADER_BYTES, Cipher, key_id
from unicron_core.errors import UnreadableRecord

KEY = "current-cluster-key-0123456789"
OLD = "retired-cluster-key-0123456789"


def test_round_trip_and_fresh_nonce() -> None:
    cipher = Cipher(KEY)
    a = cipher.encrypt(kind="job", record_id="abc", plaintext=b"secret")
    b = cipher.encrypt(kind="job", record_id="abc", plaintext=b"secret")
    assert a != b
    assert a[1:5] == key_id(KEY)
    assert cipher.decrypt(kind="job", record_id="abc", blob=a) == b"secret"
    assert b"secret" not in a


@pytest.mark.parametrize(("kind", "record_id"), [("job", "abd"), ("task", "abc"), ("run", "abc")])
def test_ciphertext_moved_to_another_record_fails(kind: str, record_id: str) -> None:
    cipher = Cipher(KEY)
    blob = cipher.encrypt(kind="job", record_id="abc", plaintext=b"secret")
    with pytest.raises(UnreadableRecord, match="failed authentication"):
        cipher.decrypt(kind=kind, record_id=record_id, blob=blob)


def test_old_keys_read_new_key_writes() -> None:
    old_blob = Cipher(OLD).encrypt(kind="job", record_id="x", plaintext=b"v")
    rotated = Cipher(KEY, [OLD])
    assert rotated.decrypt(kind="job", record_id="x", blob=old_blob) == b"v"
    assert rotated.encrypt(kind="job", record_id="x", plaintext=b"v")[1:5] == key_id(KEY)
    with pytest.raises(UnreadableRecord, match="key this node does not have"):
        Cipher(KEY).decrypt(kind="job", record_id="x", blob=old_blob)


def test_garbage_is_refused() -> None:
    for blob in (b"", b"\x01", b"\x02" + b"0" * 40, b"x" * 100):
        with pytest.raises(UnreadableRecord):
            Cipher(KEY).decrypt(kind="job", record_id="x", blob=blob)


@settings(max_examples=300, deadline=None)
@given(plaintext=st.binary(max_size=256), position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_single_bit_flip_is_refused(plaintext: bytes, position: int, bit: int) -> None:
    cipher = Cipher(KEY)
    blob = bytearray(cipher.encrypt(kind="run", record_id="r1", plaintext=plaintext))
    blob[position % len(blob)] ^= 1 << bit
    with pytest.raises(UnreadableRecord):
        cipher.decrypt(kind="run", record_id="r1", blob=bytes(blob))


def test_header_layout() -> None:
    blob = Cipher(KEY).encrypt(kind="job", record_id="x", plaintext=b"")
    assert blob[0] == 1
    assert len(blob) == HEADER_BYTES + 16  # GCM tag only
