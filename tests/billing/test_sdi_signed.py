"""Signed SDI notifications (.xml.p7m, CAdES): the XML inside is extracted, DER or base64; and the
parser of notifications never fails with a 500 on what arrives."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import Invalid
from billing import sdi_messages
from tests.billing.sdi_files import sample


def _p7m(tmp_path, content: bytes) -> bytes:
    """A CAdES-BES attached signature made by ``openssl cms -sign`` with a self-signed certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sistema di Interscambio (test)")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2036, 1, 1, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "in.xml").write_bytes(content)
    subprocess.run(
        [
            "openssl", "cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-outform", "DER",
            "-in", str(tmp_path / "in.xml"), "-signer", str(tmp_path / "cert.pem"),
            "-inkey", str(tmp_path / "key.pem"), "-out", str(tmp_path / "out.p7m"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return (tmp_path / "out.p7m").read_bytes()


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


@needs_openssl
def test_p7m_der_and_base64_are_unwrapped(tmp_path):
    xml = sample("RC_001")
    der = _p7m(tmp_path, xml)
    assert der[:1] == b"\x30"
    assert sdi_messages.unwrap_p7m(der) == xml
    assert sdi_messages.unwrap_p7m(base64.encodebytes(der)) == xml
    note = sdi_messages.parse(der, "IT80000110728_00001_RC_001.xml.p7m")
    assert note.type == "RC" and note.file_name == "IT80000110728_00001.xml"


@needs_openssl
def test_signed_rc_through_the_api_delivers(tmp_path, issued, api_as):
    invoice = issued()
    api = api_as("finance")
    der = _p7m(tmp_path, sample("RC_001"))
    answer = api.client.post(
        "/api/v1/sdi/notifications?filename=IT80000110728_00001_RC_001.xml.p7m",
        data=base64.b64encode(der),
        headers={**api.headers, "Content-Type": "application/pkcs7-mime"},
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["invoice_id"] == invoice.id and answer.json["sdi_status"] == "delivered"


def test_a_broken_envelope_is_422_not_500(api_as):
    api = api_as("finance")
    answer = api.client.post(
        "/api/v1/sdi/notifications?filename=x.xml.p7m",
        data=b"\x30\x82\x01\x00garbage",
        headers={**api.headers, "Content-Type": "application/pkcs7-mime"},
    )
    assert answer.status_code == 422 and "file" in answer.json["error"]["fields"]


def _mutations():
    base = sample("NS_001").decode()
    return st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(str.encode),
        st.tuples(st.integers(0, len(base)), st.integers(0, 60), st.text(max_size=20)).map(
            lambda t: (base[: t[0]] + t[2] + base[t[0] + t[1] :]).encode()
        ),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations(), st.sampled_from(["", "x.xml", "x.xml.p7m"]))
def test_parser_answers_invalid_or_a_notification(data, filename):
    try:
        note = sdi_messages.parse(data, filename)
    except Invalid as exc:
        assert exc.fields
    else:
        assert note.type in sdi_messages.TYPES.values() and note.file_name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_mutations())
def test_api_never_500_on_random_bodies(body, api_as):
    api = api_as("finance")
    answer = api.client.post(
        "/api/v1/sdi/notifications", data=body, headers={**api.headers, "Content-Type": "application/xml"}
    )
    assert answer.status_code in (200, 404, 422), answer.data[:200]
