"""A fresh install with demo data: each demo referente is its own contact, and no mail job fails."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import User
from app.jobs.models import JobStatus, OutboxJob
from crm.models import Contact


def test_demo_referenti_are_their_own_contacts_and_no_job_fails(db, run_jobs):
    from app.demo import DEMO_REFERENTI, load_demo

    load_demo()
    run_jobs()
    for email, _istat, name in DEMO_REFERENTI:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            continue
        contact = db.session.get(Contact, user.contact_id)
        assert contact is not None, f"{email} has no contact"
        assert (contact.name, contact.email, contact.organization_id) == (name, email, user.organization_id)
    db.session.expire_all()
    failed = db.session.scalars(
        sa.select(OutboxJob).where(sa.or_(OutboxJob.status == JobStatus.FAILED, OutboxJob.last_error.is_not(None)))
    ).all()
    assert [(j.name, j.last_error) for j in failed] == []
