"""The SDI lifecycle: file names at issue, notifications moving the status, NS errors, resend, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import xmlschema

from app.extensions import db
from tests.billing.sdi_files import DATA, SAMPLE_NAME, XSD, sample

KINDS = ["RC_001", "NS_001", "MC_001", "NE_EC01", "NE_EC02", "DT_001", "AT_001"]


@pytest.mark.parametrize("kind", KINDS)
def test_sample_files_are_valid_messaggi_types(kind):
    schema = xmlschema.XMLSchema(str(XSD))
    schema.validate(str(DATA / f"IT80000110728_00001_{kind}.xml"))


def test_the_schema_refuses_what_the_sdi_would_not_send():
    schema = xmlschema.XMLSchema(str(XSD))
    bad = sample("NE_EC01").replace(b"<Esito>EC01</Esito>", b"<Esito>EC03</Esito>")
    assert not schema.is_valid(bad.decode())


def test_a_fattura_gets_a_file_name_never_reused(issued):
    first, second = issued(), issued()
    assert first.sdi_file_name == SAMPLE_NAME and first.sdi_status == "not_sent"
    assert second.sdi_file_name == "IT80000110728_00002.xml"


def test_rc_delivers_and_the_same_file_twice_changes_nothing(issued, api_as):
    invoice = issued()
    api = api_as("finance")
    first = api.client.post(
        "/api/v1/sdi/notifications", data=sample("RC_001"), headers={**api.headers, "Content-Type": "application/xml"}
    )
    assert first.status_code == 200, first.json
    assert first.json["sdi_status"] == "delivered" and first.json["applied"] is True
    again = api.client.post(
        "/api/v1/sdi/notifications", data=sample("RC_001"), headers={**api.headers, "Content-Type": "application/xml"}
    )
    assert again.status_code == 200 and again.json["applied"] is False
    body = api.get(f"/api/v1/invoices/{invoice.id}").json
    assert body["sdi_status"] == "delivered" and body["sdi_identifier"] == "4712345678"
    assert [e["type"] for e in body["sdi_events"]] == ["RC"]


def _post(api, data: bytes, filename: str = ""):
    return api.client.post(
        "/api/v1/sdi/notifications" + (f"?filename={filename}" if filename else ""),
        data=data,
        headers={**api.headers, "Content-Type": "application/xml"},
    )


@pytest.mark.parametrize(
    ("kinds", "status"),
    [
        (["MC_001"], "not_delivered"),
        (["MC_001", "AT_001"], "not_delivered"),
        (["RC_001", "NE_EC01"], "accepted"),
        (["RC_001", "DT_001"], "expired"),
        (["NE_EC01", "RC_001"], "accepted"),  # a late RC never undoes the outcome
    ],
)
def test_each_notification_moves_the_status(issued, api_as, kinds, status):
    invoice = issued()
    api = api_as("finance")
    for kind in kinds:
        assert _post(api, sample(kind)).status_code == 200
    assert api.get(f"/api/v1/invoices/{invoice.id}").json["sdi_status"] == status


def test_unknown_file_404_not_a_notification_422_and_roles(issued, api_as):
    issued()
    api = api_as("finance")
    assert _post(api, sample("RC_001", "IT80000110728_ZZZZZ.xml")).status_code == 404
    bad = _post(api, b"<FatturaElettronica/>")
    assert bad.status_code == 422 and "file" in bad.json["error"]["fields"]
    assert _post(api, b"not xml at all <").status_code == 422
    assert _post(api_as("operator"), sample("RC_001")).status_code == 403
    assert _post(api_as("admin"), sample("RC_001")).status_code == 200


def test_rejection_shows_the_errors_and_resend_gets_a_new_name(issued, api_as):
    invoice = issued()
    api = api_as("finance")
    answer = _post(api, sample("NS_001")).json
    assert answer["sdi_status"] == "rejected"
    codes = {e["code"]: e["meaning"] for e in answer["detail"]["errors"]}
    assert codes["00311"] == "CodiceDestinatario non valido"
    assert "PrezzoTotale" in codes["00423"]
    resent = api.post(f"/api/v1/invoices/{invoice.id}/sdi/resend")
    assert resent.status_code == 200
    assert resent.json["sdi_file_name"] == "IT80000110728_00002.xml" and resent.json["sdi_status"] == "not_sent"
    assert [e["type"] for e in resent.json["sdi_events"]] == ["NS", "RESEND"]
    # a late notification about the old name is kept but moves nothing
    assert _post(api, sample("MC_001")).json["sdi_status"] == "not_sent"
    assert api.post(f"/api/v1/invoices/{invoice.id}/sdi/sent").json["sdi_status"] == "sent"
    assert _post(api, sample("RC_001", "IT80000110728_00002.xml")).json["sdi_status"] == "delivered"
    # only a rejected or undelivered file is resent
    assert api.post(f"/api/v1/invoices/{invoice.id}/sdi/resend").status_code == 409


def test_refusal_alerts_finance_by_email(issued, api_as, make_user):
    from app.mail import OutboundEmail

    invoice = issued()
    api = api_as("finance")
    _post(api, sample("RC_001"))
    assert _post(api, sample("NE_EC02")).json["sdi_status"] == "refused"
    mails = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.related_id == invoice.id)).all()
    assert len(mails) == 1 and "rifiutata" in mails[0].subject
    assert "Importo non conforme" in mails[0].body_text
    assert api.get(f"/api/v1/invoices/{invoice.id}").json["sdi_status"] == "refused"


def test_a_referente_sees_the_status_but_cannot_post(issued, api_as):
    invoice = issued()
    from crm.models import Organization

    org = db.session.get(Organization, invoice.organization_id)
    ref = api_as("referente", organization=org)
    assert ref.get(f"/api/v1/invoices/{invoice.id}").json["sdi_file_name"] == SAMPLE_NAME
    assert _post(ref, sample("RC_001")).status_code == 403


def test_event_time_is_injectable(issued, finance):
    from billing import sdi

    issued()
    at = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC)
    _, event, _ = sdi.receive(data=sample("RC_001"), actor=finance, now=at)
    assert event.at == at
