"""CSV import with a per-row report (whole rows or nothing) and export that imports back."""

from __future__ import annotations

import sqlalchemy as sa

from crm import csvio, services
from crm.models import Contact, Organization

ORGS = (
    "kind;name;istat_code;belfiore_code;fiscal_code;sdi_code;pec;province;population\n"
    "comune;Comune di Bari;072006;A662;80015010723;UF3KZW;protocollo@pec.bari.example;BA;316015\n"
    "comune;Comune Sbagliato;07200X;A663;80015010724;;;BA;\n"
    "comune;Comune di Noci;72031;F915;;;;BA;18361\n"
    "comune;Doppione di Bari;072006;;;;;BA;\n"
)


def test_import_organizations_reports_each_row(db):
    report = csvio.import_organizations(data=ORGS.encode("utf-8"))
    assert [(r.line, r.action) for r in report.rows] == [(2, "created"), (3, "refused"), (4, "created"), (5, "updated")]
    assert {"istat_code", "fiscal_code"} <= set(report.rows[1].errors)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 2
    bari = services.find_organization_by_code("072006")
    assert bari.name == "Doppione di Bari"  # matched by ISTAT code: updated, not duplicated
    assert bari.sdi_code == "UF3KZW"  # blanks in the file do not erase data


def test_dry_run_writes_nothing(db):
    report = csvio.import_organizations(data=ORGS.encode("utf-8"), dry_run=True)
    assert report.created == 2 and report.refused == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 0


def test_export_imports_back_unchanged(db, make_org):
    make_org(name="Comune di Turi", istat_code="072047", belfiore_code="L472", pec="turi@pec.example.it")
    make_org(name="Comune di Terlizzi", istat_code="072043")
    body = "".join(csvio.export_organizations(services.organizations_query()))
    assert body.startswith("\ufeffid,kind,name")
    report = csvio.import_organizations(data=body.encode("utf-8"))
    assert [r.action for r in report.rows] == ["updated", "updated"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 2


def test_import_contacts_by_ente_code(db, make_org):
    org = make_org(istat_code="072006", belfiore_code="A662")
    data = (
        "organization,name,role,email,phone\n"
        "A662,Rita Rossi,rtd,rita@comune.example.it,080 1234567\n"
        "999999,Nessuno,altro,,\n"
        "072006,Rita Rossi,rtd,RITA@comune.example.it,333 1234567\n"
        "072006,Telefono rotto,altro,,12\n"
    ).encode("latin-1")
    report = csvio.import_contacts(data=data)
    assert [r.action for r in report.rows] == ["created", "refused", "updated", "refused"]
    assert "organization" in report.rows[1].errors and "phone" in report.rows[3].errors
    contact = db.session.scalar(sa.select(Contact))
    assert (contact.organization_id, contact.phone) == (org.id, "+393331234567")
    exported = "".join(csvio.export_contacts(services.contacts_query()))
    assert "072006" in exported and "Rita Rossi" in exported
