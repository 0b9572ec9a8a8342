"""CRM exports are safe to open: a contact or ente named like a formula comes out as text, and our
own export still imports back unchanged."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from crm import csvio, services
from crm.models import Contact

FORMULAS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3+cmd", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def rows_of(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_a_contact_named_like_a_formula_is_text_in_the_csv(db, client, login_as, make_org):
    org = make_org(name='=HYPERLINK("http://x","ente")')
    for i, name in enumerate(FORMULAS):
        db.session.add(Contact(organization_id=org.id, name=name, email=f"c{i}@example.it", phone="+390801234567"))
    db.session.commit()
    login_as("admin")
    body = client.get("/crm/contatti/esporta.csv").get_data(as_text=True)
    cells = [cell for row in rows_of(body)[1:] for cell in row]
    for name in FORMULAS:
        assert "'" + name in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") and c != "+390801234567"]
    assert "+390801234567" in cells  # a phone number is a number, not a formula: unchanged
    enti = client.get("/crm/enti/esporta.csv").get_data(as_text=True)
    assert '\'=HYPERLINK("http://x","ente")' in [c for row in rows_of(enti) for c in row]


def test_the_protected_export_imports_back_unchanged(db, make_org):
    org = make_org(name="Comune di Turi", istat_code="072047")
    db.session.add(Contact(organization_id=org.id, name="=1+1 Rossi", email="r@example.it", phone="+390801234567"))
    db.session.commit()
    body = "".join(csvio.export_contacts(services.contacts_query()))
    assert "'=1+1 Rossi" in body
    report = csvio.import_contacts(data=body.encode("utf-8"))
    assert [r.action for r in report.rows] == ["updated"], report.rows
    assert db.session.scalar(sa.select(Contact.name)) == "=1+1 Rossi"
