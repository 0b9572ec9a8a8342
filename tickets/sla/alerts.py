"""The periodic SLA check: flags tickets at risk (80% of the time used) and breached, and notifies.

Each alert is a row of ``sla_alerts`` keyed by (ticket, target, level, due time): the job may run
twice, on two workers at once, or after a crash, and still sends one email per breach. If the due time
moves (the priority changed) and the new one is missed too, that is a new breach and a new alert.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.db import transaction, utcnow
from app.extensions import db
from app.jobs import job, periodic
from tickets.models import SlaState, Team, Ticket, TicketStatus
from tickets.sla.engine import Clock, apply_sla, load_calendar
from tickets.sla.models import AlertKind, AlertLevel, SlaAlert, TicketSla

log = logging.getLogger("presidio.sla")
RUNNING = (TicketStatus.NEW, TicketStatus.OPEN)
BATCH = 500
MAX_PER_RUN = 5000  # the next run (5 minutes later) goes on where this one stopped


def _candidates(now: dt.datetime) -> list[int]:
    stmt = (
        sa.select(Ticket.id)
        .outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id)
        .where(
            Ticket.status.in_(RUNNING),
            sa.or_(
                TicketSla.ticket_id.is_(None),
                TicketSla.next_check_at <= now,
                sa.and_(
                    Ticket.sla_state.in_([SlaState.AT_RISK, SlaState.BREACHED]),
                    sa.or_(TicketSla.alerted_state.is_(None), TicketSla.alerted_state != Ticket.sla_state),
                ),
            ),
        )
        .order_by(Ticket.id)
        .limit(BATCH)
    )
    return list(db.session.scalars(stmt))


@job("tickets.sla.reapply")
def reapply_job() -> int:
    """Recompute every open ticket's clock (after an admin changed a calendar or a policy)."""
    from tickets.sla.admin import recompute_open_tickets

    return recompute_open_tickets()


@periodic("tickets.sla.check", seconds=300)
def check_sla() -> dict[str, int]:
    """Recompute the clock of the tickets whose state may have changed and send the due alerts."""
    now = utcnow()
    calendar = load_calendar()
    sent = checked = 0
    seen: set[int] = set()
    while len(seen) < MAX_PER_RUN:
        ids = [i for i in _candidates(now) if i not in seen]
        if not ids:
            break
        for ticket_id in ids:
            seen.add(ticket_id)
            with transaction():
                ticket = db.session.get(Ticket, ticket_id, with_for_update=True)
                if ticket is None or ticket.status not in RUNNING:
                    continue
                clock = apply_sla(ticket, now=now, calendar=calendar)
                checked += 1
                if clock is not None:
                    sent += _alert(ticket, clock, now)
                row = db.session.get(TicketSla, ticket.id)
                if row is not None:
                    row.alerted_state = SlaState(ticket.sla_state).value
    if checked:
        log.info("SLA check: %d ticket(s) checked, %d alert(s) sent", checked, sent)
    return {"checked": checked, "alerts": sent}


def _alert(ticket: Ticket, clock: Clock, now: dt.datetime) -> int:
    sent = 0
    for kind, target in ((AlertKind.FIRST_RESPONSE, clock.first_response), (AlertKind.RESOLUTION, clock.resolution)):
        if target.done_at is not None or target.due is None:
            continue
        if target.state == SlaState.BREACHED:
            level = AlertLevel.BREACHED
        elif target.state == SlaState.AT_RISK:
            level = AlertLevel.AT_RISK
        else:
            continue
        if level == AlertLevel.AT_RISK and _exists(ticket.id, kind, AlertLevel.BREACHED, target.due):
            continue
        recipients = _recipients(ticket, clock, level)
        if not _claim(ticket.id, kind, level, target.due, recipients):
            continue
        for address, locale in recipients:
            _send(ticket, kind, level, target.due, address, locale)
        sent += 1
    return sent


def _exists(ticket_id: int, kind: AlertKind, level: AlertLevel, due: dt.datetime) -> bool:
    return bool(
        db.session.scalar(
            sa.select(SlaAlert.id).where(
                SlaAlert.ticket_id == ticket_id, SlaAlert.kind == kind, SlaAlert.level == level, SlaAlert.due_at == due
            )
        )
    )


def _claim(
    ticket_id: int, kind: AlertKind, level: AlertLevel, due: dt.datetime, recipients: list[tuple[str, str]]
) -> bool:
    """Insert the alert row unless it exists: True when this run owns the notification."""
    values = {
        "ticket_id": ticket_id,
        "kind": kind.value,
        "level": level.value,
        "due_at": due,
        "recipients": ", ".join(a for a, _ in recipients),
        "created_at": utcnow(),
    }
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(SlaAlert).values(**values).on_conflict_do_nothing().returning(SlaAlert.id)
    return session.execute(stmt).scalar_one_or_none() is not None


def _recipients(ticket: Ticket, clock: Clock, level: AlertLevel) -> list[tuple[str, str]]:
    """(address, locale): the assignee, the team's address, and on a breach the policy's escalation."""
    from app.auth.models import User

    default_locale = current_app.config.get("BABEL_DEFAULT_LOCALE", "it")
    out: list[tuple[str, str]] = []
    if ticket.assignee_id:
        user = db.session.get(User, ticket.assignee_id)
        if user is not None and user.active and user.email:
            out.append((user.email, user.locale or default_locale))
    if ticket.team_id:
        team = db.session.get(Team, ticket.team_id)
        if team is not None and team.active and team.email:
            out.append((team.email, default_locale))
    if level == AlertLevel.BREACHED and clock.policy.escalation_email:
        out.append((clock.policy.escalation_email, default_locale))
    seen: set[str] = set()
    unique = []
    for address, locale in out:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append((address, locale))
    return unique


def ticket_url(ticket_id: int) -> str:
    """The operator's page of the ticket, absolute (emails are read outside the app)."""
    from flask import url_for

    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    with current_app.test_request_context("/", base_url=base or None):
        for endpoint in ("tickets.detail", "tickets_sla.ticket_page"):
            try:
                return url_for(endpoint, ticket_id=ticket_id, _external=True)
            except Exception:  # noqa: BLE001, S112 - the tickets page may be named differently
                continue
    return f"{base}/ticket/{ticket_id}"


def _send(ticket: Ticket, kind: AlertKind, level: AlertLevel, due: dt.datetime, address: str, locale: str) -> None:
    from app.i18n import fmt_datetime
    from app.mail import queue_email

    with force_locale(locale):
        target = _("prima risposta") if kind == AlertKind.FIRST_RESPONSE else _("risoluzione")
        if level == AlertLevel.BREACHED:
            subject = _(
                "[%(number)s] SLA violato (%(target)s): %(subject)s",
                number=ticket.number,
                target=target,
                subject=ticket.subject,
            )
        else:
            subject = _(
                "[%(number)s] SLA a rischio (%(target)s): %(subject)s",
                number=ticket.number,
                target=target,
                subject=ticket.subject,
            )
        body = render_template(
            "tickets/sla/email_alert.txt",
            ticket=ticket,
            target=target,
            breached=level == AlertLevel.BREACHED,
            due=fmt_datetime(due, "medium"),
            url=ticket_url(ticket.id),
        )
    queue_email(
        to=address,
        subject=subject,
        body_text=body,
        ticket_id=ticket.id,
        category="sla_alert",
        related_type="ticket",
        related_id=ticket.id,
    )


def alerts_for(ticket_id: int) -> list[SlaAlert]:
    return list(db.session.scalars(sa.select(SlaAlert).where(SlaAlert.ticket_id == ticket_id).order_by(SlaAlert.id)))
