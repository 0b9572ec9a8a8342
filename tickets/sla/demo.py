"""Demo SLA set-up: the center's calendar (Bari: San Nicola), policies per priority and convenzione
tier, and time logged on the demo tickets. Idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from app.db import local_today, transaction
from app.extensions import db
from tickets.models import Priority, Ticket, TicketStatus, TimeEntry
from tickets.sla import admin
from tickets.sla.models import BusinessCalendar, CalendarClosure, SlaPolicy

CALENDAR_NAME = "Centro di Competenza – Bari"
ESCALATION = "direzione.ccd@presidio.local"
# (name, priority, tier, first response, resolution) in business minutes; 480 = one working day
POLICIES = [
    ("Urgente", Priority.URGENT, None, 60, 480),
    ("Alta", Priority.HIGH, None, 120, 960),
    ("Normale", Priority.NORMAL, None, 240, 2400),
    ("Bassa", Priority.LOW, None, 480, 4800),
    ("Premium – urgente", Priority.URGENT, "premium", 30, 240),
    ("Premium – alta", Priority.HIGH, "premium", 60, 480),
    ("Premium – normale", Priority.NORMAL, "premium", 120, 1200),
    ("Premium – bassa", Priority.LOW, "premium", 240, 2400),
]
NOTES = [
    "Verifica configurazione casella PEC",
    "Telefonata con l'ufficio anagrafe",
    "Aggiornamento certificati SPID/CIE sul portale",
    "Controllo flussi pagoPA del mese",
    "Ripristino accesso al gestionale documentale",
    "Assistenza da remoto alla postazione",
]


def load(ctx: dict[str, Any]) -> None:
    cal = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == CALENDAR_NAME))
    if cal is None:
        cal = admin.save_calendar(
            actor=None,
            name=CALENDAR_NAME,
            holiday_subdiv="BA",  # San Nicola, 6 December
            is_default=True,
            hours={d: "08:30-13:30, 14:30-17:30" for d in range(5)},
        )
    closures = {
        (dt.date(2000, 5, 8), True): "San Nicola, festa patronale di Bari (traslazione)",
        (dt.date(2026, 12, 7), False): "Ponte dell'Immacolata",
        (dt.date(2026, 12, 24), False): "Vigilia di Natale",
        (dt.date(2026, 12, 31), False): "San Silvestro",
    }
    existing = {
        (c.day, c.yearly)
        for c in db.session.scalars(sa.select(CalendarClosure).where(CalendarClosure.calendar_id == cal.id))
    }
    for (day, yearly), name in closures.items():
        if (day, yearly) not in existing:
            admin.add_closure(actor=None, calendar_id=cal.id, day=day, name=name, yearly=yearly)
    names = set(db.session.scalars(sa.select(SlaPolicy.name)))
    for name, priority, tier, first, resolution in POLICIES:
        if name not in names:
            admin.save_policy(
                actor=None,
                name=name,
                priority=priority,
                tier=tier,
                first_response_minutes=first,
                resolution_minutes=resolution,
                escalation_email=ESCALATION if priority in (Priority.URGENT, Priority.HIGH) else None,
            )
    ctx.setdefault("summary", {})["sla_policies"] = len(POLICIES)


def after_users(ctx: dict[str, Any]) -> None:
    """Time logged by the demo operator on the demo tickets that were worked on."""
    from app.auth.models import Role, User

    operators = list(db.session.scalars(sa.select(User).where(User.role.in_([Role.OPERATOR, Role.ADMIN]))))
    if not operators:
        return
    worked = list(
        db.session.scalars(
            sa.select(Ticket)
            .where(
                Ticket.status.in_(
                    [TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED]
                ),
                ~sa.exists().where(TimeEntry.ticket_id == Ticket.id),
            )
            .order_by(Ticket.id)
            .limit(500)
        )
    )
    rng = random.Random(41)
    with transaction():
        for ticket in worked:
            for _ in range(rng.randint(1, 3)):
                day = (ticket.created_at + dt.timedelta(days=rng.randint(0, 3))).date()
                db.session.add(
                    TimeEntry(
                        ticket_id=ticket.id,
                        organization_id=ticket.organization_id,
                        user_id=rng.choice(operators).id,
                        minutes=rng.choice([10, 15, 20, 30, 45, 60, 90, 120]),
                        billable=rng.random() < 0.8,
                        note=rng.choice(NOTES),
                        work_date=min(day, local_today()),
                    )
                )
    ctx.setdefault("summary", {})["time_entries_tickets"] = len(worked)
