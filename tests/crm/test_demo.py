"""The CRM demo: the 41 comuni of Bari with contacts and convenzioni, loaded twice without duplicates."""

import sqlalchemy as sa

from crm import demo
from crm.models import Agreement, AgreementStatus, Contact, Organization


def _counts(db):
    return [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Organization, Contact, Agreement)]


def test_demo_is_idempotent_and_looks_real(db):
    ctx: dict = {}
    demo.load(ctx)
    first = _counts(db)
    demo.load({})
    assert _counts(db) == first
    assert ctx["summary"]["crm"]["comuni"] == 41
    bari = db.session.get(Organization, ctx["referente_organization_id"])
    assert (bari.name, bari.istat_code, bari.belfiore_code) == ("Comune di Bari", "072006", "A662")
    assert bari.pec.endswith(".example")
    statuses = {s for (s,) in db.session.execute(sa.select(Agreement.status).distinct())}
    assert {
        AgreementStatus.ACTIVE,
        AgreementStatus.DRAFT,
        AgreementStatus.SUSPENDED,
        AgreementStatus.EXPIRED,
    } <= statuses
    union = db.session.scalar(sa.select(Organization).where(Organization.kind == "unione_comuni"))
    assert len(union.members) == 5
