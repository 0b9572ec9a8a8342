"""CRM rules tested through the services (no HTTP)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.errors import Conflict, Invalid
from crm import agreements as agr
from crm import services
from crm.models import AgreementAlert, AgreementStatus, Organization


def test_create_organization_normalizes_identifiers(db):
    org = services.create_organization(
        kind="comune",
        name="Comune di Bari",
        istat_code="72006",
        belfiore_code="a662",
        fiscal_code="80015010723",
        ipa_code="C_A662",
        sdi_code="uf3kzw",
        pec="Protocollo@Pec.Comune.Bari.example",
        phone="080 577 1111",
        province="ba",
        population=316015,
    )
    assert (org.istat_code, org.belfiore_code, org.ipa_code, org.sdi_code) == ("072006", "A662", "c_a662", "UF3KZW")
    assert org.pec == "protocollo@pec.comune.bari.example"
    assert org.phone == "+390805771111"
    assert org.province == "BA"
    assert org.population_year is not None


def test_every_bad_identifier_is_named_at_once(db):
    with pytest.raises(Invalid) as err:
        services.create_organization(
            kind="comune", name="X", istat_code="7200A", fiscal_code="80015010724", sdi_code="ABC", pec="nope"
        )
    assert set(err.value.fields) >= {"istat_code", "fiscal_code", "sdi_code", "pec"}


def test_duplicate_identifiers_are_refused(db):
    services.create_organization(kind="comune", name="Comune di Bari", istat_code="072006", belfiore_code="A662")
    with pytest.raises(Conflict) as err:
        services.create_organization(kind="comune", name="Bari bis", istat_code="072006")
    assert "istat_code" in err.value.fields
    with pytest.raises(Conflict) as err:
        services.create_organization(kind="comune", name="Bari ter", belfiore_code="a662")
    assert "belfiore_code" in err.value.fields


def test_update_revalidates_and_audits(db, make_user):
    admin = make_user("admin")
    org = services.create_organization(kind="comune", name="Comune di Noci", istat_code="072031", actor=admin)
    services.update_organization(organization_id=org.id, sdi_code="ab12cd", actor=admin)
    assert org.sdi_code == "AB12CD"
    with pytest.raises(Invalid):
        services.update_organization(organization_id=org.id, belfiore_code="XXXX", actor=admin)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "organizations", AuditEntry.object_id == str(org.id))
    ).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["sdi_code"] == [None, "AB12CD"]
    assert entries[1].actor_id == admin.id


def test_union_members(db, make_org):
    union = services.create_organization(kind="unione_comuni", name="Unione dei Comuni della Murgia")
    a, b = make_org(), make_org()
    services.set_union_members(union_id=union.id, member_ids=[a.id, b.id])
    assert {m.id for m in union.members} == {a.id, b.id}
    assert [u.id for u in a.unions] == [union.id]
    services.set_union_members(union_id=union.id, member_ids=[b.id])
    assert [m.id for m in union.members] == [b.id]
    with pytest.raises(Invalid):
        services.set_union_members(union_id=a.id, member_ids=[b.id])  # a comune has no members
    items, _ = services.list_organizations(union_id=union.id)
    assert [o.id for o in items] == [b.id]


def test_contact_normalizes_and_portal_access_creates_a_referente(db, make_org):
    from app.auth.models import Role, User

    org = make_org()
    contact = services.create_contact(
        organization_id=org.id,
        name="Rita Rossi",
        role="rtd",
        email="Rita@Comune.example.it",
        phone="333 123 4567",
        portal_access=True,
    )
    assert contact.email == "rita@comune.example.it" and contact.phone == "+393331234567"
    user = db.session.scalar(sa.select(User).where(User.contact_id == contact.id))
    assert user.role == Role.REFERENTE and user.organization_id == org.id and user.active
    services.update_contact(contact_id=contact.id, portal_access=False)
    assert not user.active
    with pytest.raises(Invalid) as err:
        services.create_contact(organization_id=org.id, name="Senza email", portal_access=True)
    assert "email" in err.value.fields
    with pytest.raises(Invalid) as err:
        services.create_contact(organization_id=org.id, name="X", role="capo", phone="12")
    assert {"role", "phone"} <= set(err.value.fields)


def test_agreement_lifecycle_and_transitions(db, make_org, make_service):
    org = make_org()
    srv = make_service(code="pagopa", name="pagoPA")
    today = dt.date.today()
    a = agr.create_agreement(
        organization_id=org.id,
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=300),
        service_ids=[srv.id],
        annual_fee_fixed="1200.50",
    )
    assert a.status == AgreementStatus.DRAFT and a.code.startswith(f"CONV-{a.start_date.year}-")
    assert services.active_agreement(org.id) is None
    agr.transition_agreement(agreement_id=a.id, status="active")
    assert services.active_agreement(org.id).id == a.id
    assert services.service_covered(org.id, srv.id) is True
    assert services.service_covered(org.id, make_service().id) is False
    assert services.sla_tier_for(org.id) == "standard"
    agr.transition_agreement(agreement_id=a.id, status="suspended")
    assert services.active_agreement(org.id) is None
    agr.transition_agreement(agreement_id=a.id, status="active")
    agr.transition_agreement(agreement_id=a.id, status="terminated")
    with pytest.raises(Invalid) as err:
        agr.transition_agreement(agreement_id=a.id, status="active")
    assert "status" in err.value.fields


def test_draft_cannot_jump_to_expired_and_active_needs_a_service(db, make_org):
    org = make_org()
    today = dt.date.today()
    a = agr.create_agreement(organization_id=org.id, start_date=today, end_date=today + dt.timedelta(days=30))
    with pytest.raises(Invalid):
        agr.transition_agreement(agreement_id=a.id, status="expired")
    with pytest.raises(Invalid) as err:
        agr.transition_agreement(agreement_id=a.id, status="active")
    assert "service_ids" in err.value.fields


def test_overlapping_convenzioni_in_force_are_refused(db, make_org, make_agreement):
    org = make_org()
    make_agreement(org=org)
    with pytest.raises(Conflict) as err:
        make_agreement(org=org)
    assert "start_date" in err.value.fields


def test_fees_are_decimals_and_bad_terms_name_the_field(db, make_agreement):
    a = make_agreement(annual_fee_fixed="1234.5", fee_per_inhabitant="0.1525")
    assert str(a.annual_fee_fixed) == "1234.50" and str(a.fee_per_inhabitant) == "0.1525"
    with pytest.raises(Invalid) as err:
        make_agreement(annual_fee_fixed="-1", end_date=dt.date(2000, 1, 1), cig="1234567000", hourly_rate="1.234")
    assert {"annual_fee_fixed", "end_date", "cig", "hourly_rate"} <= set(err.value.fields)


def test_expiry_and_renewal_alerts_at_90_and_30_days(db, make_org, make_agreement, make_user):
    from app.mail import OutboundEmail

    make_user("finance", email="ragioneria@example.it")
    make_user("operator", email="operatore@example.it")
    today = dt.date.today()
    a = make_agreement(end_date=today + dt.timedelta(days=80))
    assert agr.send_renewal_alerts(today) == [(a.id, 90)]
    assert agr.send_renewal_alerts(today) == []  # once per threshold
    assert agr.send_renewal_alerts(today + dt.timedelta(days=55)) == [(a.id, 30)]
    assert agr.send_renewal_alerts(today + dt.timedelta(days=60)) == []
    mails = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [m.to_addr for m in mails] == ["ragioneria@example.it"] * 2
    assert a.code in mails[0].subject
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgreementAlert)) == 2
    assert agr.expire_due(today + dt.timedelta(days=81)) == 1
    db.session.refresh(a)
    assert a.status == AgreementStatus.EXPIRED


def test_renewal_by_moving_the_end_date_reopens_an_expired_convenzione(db, make_agreement):
    today = dt.date.today()
    a = make_agreement(start_date=today - dt.timedelta(days=400), end_date=today + dt.timedelta(days=5))
    agr.expire_due(today + dt.timedelta(days=6))
    with pytest.raises(Invalid):
        agr.update_agreement(agreement_id=a.id, status="active", end_date=today - dt.timedelta(days=1))
    agr.update_agreement(agreement_id=a.id, status="active", end_date=today + dt.timedelta(days=365))
    assert a.status == AgreementStatus.ACTIVE


def test_bulk_agreements_skip_enti_already_covered(db, make_org, make_agreement, make_service):
    orgs = [make_org() for _ in range(3)]
    make_agreement(org=orgs[0])
    srv = make_service()
    today = dt.date.today()
    created, skipped = agr.create_agreements_for(
        organization_ids=[o.id for o in orgs],
        start_date=today,
        end_date=today + dt.timedelta(days=365),
        service_ids=[srv.id],
        status="active",
        annual_fee_fixed="500",
    )
    assert len(created) == 2 and list(skipped) == [orgs[0].id]
    assert len({a.code for a in created}) == 2


def test_org_list_filters_and_keyset_pages(db, make_org, make_agreement):
    for i in range(7):
        make_org(name=f"Comune {chr(65 + i)}", province="BA" if i % 2 else "BT")
    covered = db.session.scalar(sa.select(Organization).where(Organization.name == "Comune A"))
    make_agreement(org=covered)
    seen, cursor = [], None
    while True:
        items, cursor = services.list_organizations(limit=3, cursor=cursor)
        seen += [o.name for o in items]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == 7
    assert [o.name for o in services.list_organizations(province="bt")[0]] == [
        "Comune A",
        "Comune C",
        "Comune E",
        "Comune G",
    ]
    assert [o.name for o in services.list_organizations(agreement_status="active")[0]] == ["Comune A"]
    assert "Comune A" not in [o.name for o in services.list_organizations(agreement_status="none")[0]]
    assert [o.name for o in services.list_organizations(q="comune b")[0]] == ["Comune B"]


def test_registry_import_is_idempotent_and_records_population_year(db):
    from crm.registry import comuni_of, import_comuni

    assert len(comuni_of("BA")) == 41
    first = import_comuni(province="BA")
    assert first == {"created": 41, "updated": 0, "unchanged": 0}
    assert import_comuni(province="ba") == {"created": 0, "updated": 0, "unchanged": 41}
    bari = services.find_organization_by_code("A662")
    assert (bari.name, bari.istat_code, bari.ipa_code, bari.population_year) == (
        "Comune di Bari",
        "072006",
        "c_a662",
        2023,
    )
    services.update_organization(organization_id=bari.id, population=300000, population_year=2020)
    assert import_comuni(province="BA")["updated"] == 1
    assert (bari.population, bari.population_year) == (316015, 2023)
    with pytest.raises(Invalid):
        import_comuni(province="ZZ")


def test_interactions_are_logged_against_ente_and_contact(db, make_org, make_user):
    org, other = make_org(), make_org()
    contact = services.create_contact(organization_id=org.id, name="Sindaco", role="sindaco")
    op = make_user("operator")
    item = services.log_interaction(
        organization_id=org.id, contact_id=contact.id, kind="meeting", subject="Incontro annuale", actor=op
    )
    assert item.author_id == op.id
    with pytest.raises(Invalid) as err:
        services.log_interaction(organization_id=other.id, contact_id=contact.id, subject="X")
    assert "contact_id" in err.value.fields


def test_legacy_bad_value_does_not_block_an_unrelated_change(db, make_org):
    org = make_org(fiscal_code="12345678901")  # loaded in bulk before the check existed
    services.update_organization(organization_id=org.id, sdi_code="ABC123")
    assert (org.sdi_code, org.fiscal_code) == ("ABC123", "12345678901")
    with pytest.raises(Invalid) as err:
        services.update_organization(organization_id=org.id, fiscal_code="12345678902")
    assert list(err.value.fields) == ["fiscal_code"]
