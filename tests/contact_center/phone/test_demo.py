"""Demo calls and SMS for the Bari comuni: realistic, idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from contact_center.models import InboundItem
from contact_center.phone import demo
from contact_center.phone.models import Call, PhoneMenuOption, SmsMessage


def test_demo_is_idempotent_and_fills_the_console(db, make_org):
    from crm.models import Contact

    for n, name in enumerate(["Comune di Bitonto", "Comune di Molfetta", "Comune di Monopoli"]):
        org = make_org(name=name, province="BA")
        db.session.add(Contact(organization_id=org.id, name=f"Referente {n}", phone=f"+39080300{n:04d}"))
    db.session.commit()
    demo.load({})
    counts = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Call)),
        db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)),
        db.session.scalar(sa.select(sa.func.count()).select_from(PhoneMenuOption)),
    )
    assert counts[0] >= 60 and counts[1] >= 4 and counts[2] == 4
    voicemails = list(db.session.scalars(sa.select(InboundItem).where(InboundItem.channel == "phone")))
    assert len(voicemails) == 2 and all("Trascrizione: " in v.body_text for v in voicemails)
    demo.load({})
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Call)),
        db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)),
        db.session.scalar(sa.select(sa.func.count()).select_from(PhoneMenuOption)),
    ) == counts
