"""Stored files on S3-compatible storage: a real S3 HTTP server (moto's) in this process, boto3 talking
to it over the network. Uploads land in the bucket, never on local disk; downloads stream back with
the same permission checks; an unreachable store answers 503 and writes no row; `flask storage
migrate` copies what was kept on disk."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa

from app.storage import FileMissing, LocalStorage, S3Storage, get_storage
from tests.conftest import free_port

BUCKET = "presidio-test"
CREDENTIALS = {"S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret", "S3_REGION": "eu-south-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=CREDENTIALS["S3_REGION"],
        aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["S3_REGION"]})
    yield endpoint, client
    server.stop()


def _use(app, settings):
    saved = {k: app.config.get(k) for k in settings}
    app.config.update(settings)
    return saved


@pytest.fixture
def s3(app, s3_endpoint):
    """The app stores files in the bucket, under a prefix of its own for this test."""
    endpoint, client = s3_endpoint
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    saved = _use(
        app,
        {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": BUCKET, "S3_PREFIX": prefix, **CREDENTIALS},
    )

    def objects() -> dict[str, bytes]:
        listing = client.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/").get("Contents", [])
        return {
            o["Key"][len(prefix) + 1 :]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listing
        }

    yield objects
    app.config.update(saved)


def _web_as(app, user):
    """A browser of its own, logged in as ``user``."""
    from tests.conftest import PASSWORD, csrf_token

    browser = app.test_client()
    token = csrf_token(browser, "/login")
    assert (
        browser.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    )
    return browser


def _local_files(app) -> list[Path]:
    root = Path(app.config["ATTACHMENTS_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_ticket_attachment_goes_to_the_bucket_and_downloads_only_for_its_ente(
    app, s3, client, login, make_user, make_org, api_as
):
    from tickets import services

    org, other = make_org(), make_org()
    referente = make_user("referente", organization=org)
    api = api_as("operator")
    ticket = api.post("/api/v1/tickets", json={"subject": "Verbale firmato", "organization_id": org.id}).get_json()
    before = set(_local_files(app))
    data = b"%PDF-1.4 verbale " + uuid.uuid4().bytes
    r = api.client.post(
        f"/api/v1/tickets/{ticket['id']}/attachments",
        data={"file": (io.BytesIO(data), "verbale.pdf")},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    (att,) = services.attachments_for(ticket["id"], include_internal=True)
    assert s3() == {f"{att.sha256[:2]}/{att.sha256}": data}
    assert set(_local_files(app)) == before

    got = api.client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{att.id}", headers=api.headers)
    assert got.status_code == 200 and got.data == data
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        got.headers["Content-Disposition"].startswith("attachment")
        and "verbale.pdf" in got.headers["Content-Disposition"]
    )

    login(referente)
    page = client.get(f"/ticket/allegati/{att.id}")
    assert page.status_code == 200 and page.data == data
    assert page.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"

    outsider = api_as("referente", organization=other)
    assert (
        outsider.client.get(
            f"/api/v1/tickets/{ticket['id']}/attachments/{att.id}", headers=outsider.headers
        ).status_code
        == 404
    )
    assert _web_as(app, make_user("referente", organization=other)).get(f"/ticket/allegati/{att.id}").status_code == 404


def test_email_attachments_are_stored_in_the_bucket_and_follow_the_item_to_its_ticket(app, s3, db, make_org):
    from contact_center.intake import create_ticket_from_inbound
    from contact_center.mailflow import ingest
    from contact_center.models import RawSource
    from tests.contact_center.conftest import build_email
    from tickets.models import TicketAttachment

    org = make_org()
    png = b"\x89PNG " + uuid.uuid4().bytes
    raw = build_email(sender="Sconosciuto <chi@altrove.example.org>", attachments=[("foto.png", "image/png", png)])
    _, item = ingest(raw, source=RawSource.PIPE)
    assert item.ticket_id is None  # unknown sender: waits in triage, its file already in the bucket
    assert png in s3().values()

    create_ticket_from_inbound(item_id=item.id, organization_id=org.id, acknowledge=False)
    db.session.refresh(item)
    (att,) = db.session.scalars(sa.select(TicketAttachment).where(TicketAttachment.ticket_id == item.ticket_id))
    assert att.filename == "foto.png" and get_storage().read(f"{att.sha256[:2]}/{att.sha256}") == png


def test_signed_convenzione_in_the_bucket_is_served_to_staff_and_its_referente_only(
    app, s3, db, client, login, login_as, make_user, make_org
):
    from crm.agreements import attach_document
    from crm.models import Agreement, AgreementStatus, BillingDocument

    org, other = make_org(), make_org()
    agreement = Agreement(
        organization_id=org.id,
        code=f"CONV-{uuid.uuid4().hex[:6]}",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2030, 12, 31),
        status=AgreementStatus.ACTIVE,
        billing_document=BillingDocument.FATTURA,
    )
    db.session.add(agreement)
    db.session.commit()
    pdf = b"%PDF-1.7 firmata " + uuid.uuid4().bytes
    attach_document(agreement_id=agreement.id, filename="convenzione.pdf", data=pdf)
    assert s3() == {f"crm/{agreement.document_sha256[:2]}/{agreement.document_sha256}": pdf}

    login_as("finance")
    r = client.get(f"/crm/convenzioni/{agreement.id}/documento")
    assert r.status_code == 200 and r.data == pdf and r.mimetype == "application/pdf"
    outsider = _web_as(app, make_user("referente", organization=other))
    assert outsider.get(f"/crm/convenzioni/{agreement.id}/documento").status_code == 404
    own = _web_as(app, make_user("referente", organization=org))
    assert own.get(f"/crm/convenzioni/{agreement.id}/documento").data == pdf


def test_a_file_missing_from_the_bucket_is_a_404_not_a_500(app, s3, api_as):
    from tickets import services

    api = api_as("operator")
    ticket = api.post("/api/v1/tickets", json={"subject": "File perso"}).get_json()
    att = services.add_attachment(ticket_id=ticket["id"], filename="perso.txt", data=b"sparito")
    get_storage().client.delete_object(Bucket=BUCKET, Key=get_storage()._object(services.attachment_key(att.sha256)))  # type: ignore[attr-defined]
    r = api.client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{att.id}", headers=api.headers)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_unreachable_storage_answers_503_and_writes_no_attachment(app, s3, api_as):
    from tickets import services

    api = api_as("operator")
    ticket = api.post("/api/v1/tickets", json={"subject": "Archivio giù"}).get_json()
    saved = _use(app, {"S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"})
    try:
        r = api.client.post(
            f"/api/v1/tickets/{ticket['id']}/attachments",
            data={"file": (io.BytesIO(b"%PDF-1.4"), "verbale.pdf")},
            headers=api.headers,
            content_type="multipart/form-data",
        )
    finally:
        app.config.update(saved)
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "service_unavailable"
    assert services.attachments_for(ticket["id"], include_internal=True) == []


def test_storage_migrate_copies_local_files_to_the_bucket_once(app, s3, tmp_path):
    local = LocalStorage(tmp_path)
    local.put("ab/" + "ab" * 32, b"allegato")
    local.put("crm/cd/" + "cd" * 32, b"convenzione")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["storage", "migrate", "--from-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "copied 2" in first.output
    assert s3() == {"ab/" + "ab" * 32: b"allegato", "crm/cd/" + "cd" * 32: b"convenzione"}
    again = runner.invoke(args=["storage", "migrate", "--from-dir", str(tmp_path)])
    assert again.exit_code == 0 and "copied 0" in again.output and "2 already there" in again.output


def test_storage_migrate_refuses_to_copy_a_directory_onto_itself(app):
    result = app.test_cli_runner().invoke(args=["storage", "migrate"])
    assert result.exit_code != 0 and "same directory" in result.output


def test_keys_cannot_leave_the_storage_root(tmp_path):
    local = LocalStorage(tmp_path / "files")
    for key in ("../fuori", "ab/../../fuori", "/etc/passwd", "AB/x", ""):
        with pytest.raises(ValueError):
            local.put(key, b"x")
    with pytest.raises(FileMissing):
        local.read("ab/mai-scritto")
    assert not (tmp_path / "fuori").exists()


def test_s3_backend_needs_a_bucket():
    from app.storage import StorageError

    with pytest.raises(StorageError):
        S3Storage(bucket="", client=object())
