"""Admin rules of the contact center: mailboxes and routing rules; the triage queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.db import transaction
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from contact_center.models import (
    InboundChannel,
    InboundItem,
    InboundStatus,
    Mailbox,
    MailboxKind,
    PecReceipt,
    RawMessage,
    RawStatus,
    RoutingRule,
    RuleAction,
    RuleKind,
    Security,
)

MAILBOX_FIELDS = (
    "name",
    "kind",
    "address",
    "active",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_user",
    "imap_folder",
    "processed_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "password_env",
    "default_service_id",
    "default_team_id",
)


def _none_if_zero(value: Any) -> Any:
    return None if value in (0, "", None) else value


def save_mailbox(*, data: dict[str, Any], mailbox_id: int | None = None, actor: Any = None) -> Mailbox:
    """Create or update a mailbox. The password itself is never accepted: only its env var name."""
    if "password" in data:
        raise Invalid("la password non si salva", {"password": ["usa password_env"]})
    values = {k: data[k] for k in MAILBOX_FIELDS if k in data}
    try:
        if "kind" in values:
            values["kind"] = MailboxKind(values["kind"])
        for key in ("imap_security", "smtp_security"):
            if key in values:
                values[key] = Security(values[key])
    except ValueError as exc:
        raise Invalid(str(exc), {"kind": [str(exc)]}) from exc
    for key in ("processed_folder", "smtp_host", "smtp_user", "default_service_id", "default_team_id"):
        if key in values:
            values[key] = _none_if_zero(values[key])
    if values.get("address"):
        values["address"] = values["address"].strip().lower()
    if "name" in values:
        clash = db.session.scalar(
            sa.select(Mailbox.id).where(Mailbox.name == values["name"], Mailbox.id != (mailbox_id or 0))
        )
        if clash:
            raise Conflict("nome già usato", {"name": ["già usato da un'altra casella"]})
    with transaction(actor=actor):
        if mailbox_id is None:
            mailbox = Mailbox(**values)
            db.session.add(mailbox)
        else:
            mailbox = get_mailbox(mailbox_id)
            for key, value in values.items():
                setattr(mailbox, key, value)
        db.session.flush()
    return mailbox


def get_mailbox(mailbox_id: int) -> Mailbox:
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound("casella non trovata")
    return mailbox


def list_mailboxes() -> list[Mailbox]:
    return list(db.session.scalars(sa.select(Mailbox).order_by(Mailbox.name)))


RULE_FIELDS = (
    "name",
    "kind",
    "pattern",
    "mailbox_id",
    "action",
    "organization_id",
    "service_id",
    "team_id",
    "priority",
    "position",
    "active",
)


def _rule_values(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values = {k: data[k] for k in RULE_FIELDS if k in data}
    problems: dict[str, list[str]] = {}
    try:
        values["kind"] = RuleKind(values.get("kind") or "")
        values["action"] = RuleAction(values.get("action") or "route")
    except ValueError as exc:
        return values, {"kind": [str(exc)]}
    for key in ("mailbox_id", "organization_id", "service_id", "team_id", "priority"):
        values[key] = _none_if_zero(values.get(key))
    values["pattern"] = (values.get("pattern") or "").strip().lower()
    if values["kind"] == RuleKind.MAILBOX and not values["mailbox_id"]:
        problems["mailbox_id"] = ["obbligatoria per questa condizione"]
    if values["kind"] != RuleKind.MAILBOX and not values["pattern"]:
        problems["pattern"] = ["obbligatorio per questa condizione"]
    if values["priority"] and values["priority"] not in ("low", "normal", "high", "urgent"):
        problems["priority"] = [values["priority"]]
    return values, problems


def rule_problems(data: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with a rule, by field (empty when it can be saved): for a form to show."""
    return _rule_values(data)[1]


def save_rule(*, data: dict[str, Any], rule_id: int | None = None, actor: Any = None) -> RoutingRule:
    values, problems = _rule_values(data)
    if problems:
        raise Invalid("regola non valida", problems)
    with transaction(actor=actor):
        if rule_id is None:
            rule = RoutingRule(**values)
            db.session.add(rule)
        else:
            rule = get_rule(rule_id)
            for key, value in values.items():
                setattr(rule, key, value)
        db.session.flush()
    return rule


def get_rule(rule_id: int) -> RoutingRule:
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("regola non trovata")
    return rule


def delete_rule(*, rule_id: int, actor: Any = None) -> None:
    with transaction(actor=actor):
        db.session.delete(get_rule(rule_id))


def list_rules() -> list[RoutingRule]:
    return list(db.session.scalars(sa.select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))


# --- triage queries -------------------------------------------------------------------------------


def inbox_query(
    *,
    status: str | None = "new",
    channel: str | None = None,
    mailbox_id: int | None = None,
    claimed: str | None = None,
    user_id: int | None = None,
    q: str | None = None,
    organization_id: int | None = None,
) -> sa.Select:
    """The triage inbox: items not yet on a ticket by default, any filter narrowing it."""
    stmt = sa.select(InboundItem)
    if status and status != "all":
        try:
            stmt = stmt.where(InboundItem.status == InboundStatus(status))
        except ValueError as exc:
            raise Invalid("stato non valido", {"status": [status]}) from exc
    if channel:
        try:
            stmt = stmt.where(InboundItem.channel == InboundChannel(channel))
        except ValueError as exc:
            raise Invalid("canale non valido", {"channel": [channel]}) from exc
    if mailbox_id:
        stmt = stmt.where(InboundItem.mailbox_id == mailbox_id)
    if organization_id:
        stmt = stmt.where(InboundItem.organization_id == organization_id)
    if claimed == "mine" and user_id:
        stmt = stmt.where(InboundItem.claimed_by_id == user_id)
    elif claimed == "unclaimed":
        stmt = stmt.where(InboundItem.claimed_by_id.is_(None))
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(InboundItem.subject).like(like),
                sa.func.lower(sa.func.coalesce(InboundItem.sender_email, "")).like(like),
                sa.func.lower(InboundItem.sender_name).like(like),
                sa.func.coalesce(InboundItem.sender_phone, "").like(like),
            )
        )
    return stmt


def inbox_counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(InboundItem.status, sa.func.count()).group_by(InboundItem.status))
    return {str(s.value if hasattr(s, "value") else s): n for s, n in rows}


def failed_raw_messages(limit: int = 200) -> list[RawMessage]:
    return list(
        db.session.scalars(
            sa.select(RawMessage)
            .where(RawMessage.status == RawStatus.FAILED)
            .order_by(RawMessage.id.desc())
            .limit(limit)
        )
    )


def get_raw(raw_id: int) -> RawMessage:
    row = db.session.get(RawMessage, raw_id)
    if row is None:
        raise NotFound("messaggio non trovato")
    return row


def receipts_for_ticket(ticket_id: int) -> list[PecReceipt]:
    return list(
        db.session.scalars(sa.select(PecReceipt).where(PecReceipt.ticket_id == ticket_id).order_by(PecReceipt.id))
    )


def recent_web_requests(client_ip: str, window: dt.timedelta) -> int:
    """Requests from the public form sent from this address within ``window`` (the rate limit)."""
    from app.db import utcnow

    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(InboundItem)
            .where(
                InboundItem.channel == InboundChannel.WEB,
                InboundItem.client_ip == client_ip,
                InboundItem.received_at >= utcnow() - window,
            )
        )
        or 0
    )


# --- suppressed addresses and PEC receipts -------------------------------------------------------


def suppressed_addresses(limit: int = 200) -> list[Any]:
    from app.mail import MailSuppression

    return list(db.session.scalars(sa.select(MailSuppression).order_by(MailSuppression.created_at.desc()).limit(limit)))


def reactivate_address(*, suppression_id: int, actor: Any = None) -> str:
    """The address was fixed (or the bounce was transient): mail to it flows again."""
    from app.mail import MailSuppression, unsuppress

    row = db.session.get(MailSuppression, suppression_id)
    if row is None:
        raise NotFound("indirizzo non trovato")
    address = row.address
    unsuppress(address=address, actor=actor)
    return address


def recent_receipts(*, ticket_id: int | None = None, limit: int = 200) -> list[tuple[PecReceipt, Any]]:
    """PEC receipts with the outbound message each one proves (None when it is not ours)."""
    from app.mail import OutboundEmail

    stmt = (
        sa.select(PecReceipt, OutboundEmail)
        .outerjoin(OutboundEmail, OutboundEmail.id == PecReceipt.outbound_email_id)
        .order_by(PecReceipt.id.desc())
        .limit(limit)
    )
    if ticket_id:
        stmt = stmt.where(PecReceipt.ticket_id == ticket_id)
    return [(r, e) for r, e in db.session.execute(stmt)]
