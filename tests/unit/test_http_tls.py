"""The HTTP executor over TLS, against a real loopback server with a certificate made here: the
certificate is checked (a self-signed one fails with the reason), and a trusted one carries the call."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from unicron_core.egress import EgressGuard
from unicron_core.models import TaskSpec
from unicron_core.records import HttpOutput
from unicron_testkit.sinks import HttpSink

from helpers import BlockingHttp


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "unicron-test")])
    now = datetime.datetime.now(datetime.UTC)
    loopback = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(loopback, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture
def server(certificate: tuple[Path, Path]) -> Iterator[HttpSink]:
    sink = HttpSink()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    sink._server.socket = context.wrap_socket(sink._server.socket, server_side=True)
    with sink:
        yield sink


def _runner() -> BlockingHttp:
    return BlockingHttp(limit_bytes=1000, guard=EgressGuard(allow=["127.0.0.1/32"]))


def test_an_untrusted_certificate_fails_with_the_reason(server: HttpSink) -> None:
    http = _runner()
    try:
        outcome = http.call(
            TaskSpec(name="t", http_url=f"https://127.0.0.1:{server.port}/"),
            timeout_s=5,
            idempotency_key=None,
            job_id=None,
        )
    finally:
        http.close()
    assert not outcome.success
    assert outcome.error is not None and "certificate verify failed" in outcome.error, outcome.error
    assert server.requests == []


def test_a_trusted_certificate_carries_the_call(
    server: HttpSink, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # read when the runner is built
    http = _runner()
    try:
        spec = TaskSpec(name="t", http_url=f"https://127.0.0.1:{server.port}/secure")
        first = http.call(spec, timeout_s=5, idempotency_key=None, job_id=None)
        second = http.call(spec, timeout_s=5, idempotency_key=None, job_id=None)
    finally:
        http.close()
    assert isinstance(first.output, HttpOutput)
    assert (first.success, first.output.status_code, first.error) == (True, 200, None)
    assert second.success
    assert [r.path for r in server.requests] == ["/secure", "/secure"]
    assert server.requests[0].client_port == server.requests[1].client_port  # kept alive over TLS
