from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def make_contact(db, make_org):
    from crm.models import Contact

    def factory(organization=None, **kwargs: Any):
        organization = organization or make_org()
        values = {"name": "Maria Rossi", "email": f"rtd{organization.id}@comune.example.it"}
        values.update(kwargs)
        contact = Contact(organization_id=organization.id, **values)
        db.session.add(contact)
        db.session.commit()
        return contact

    return factory


@pytest.fixture
def referente(make_user, make_org, make_contact):
    """A referente with its contact (email) in its organization."""
    org = make_org(name="Comune di Bitonto")
    contact = make_contact(org, name="Rita Referente", email="rita@comune.bitonto.example.it")
    return make_user("referente", organization=org, contact_id=contact.id, name="Rita Referente")


@pytest.fixture
def outbox(db):
    from app.mail import OutboundEmail

    def emails(**filters: Any):
        q = db.session.query(OutboundEmail).order_by(OutboundEmail.id)
        if filters:
            q = q.filter_by(**filters)
        return q.all()

    return emails
