"""Scheduled reports (an admin's monthly overview to the head of the center, quarterly rendiconto to
each referente: emails with the PDF attached, through the outbox) and GLPI-style threshold alerts
(backlog of a team above N, satisfaction of a month below X: one email per breach)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _

from app.auth.permissions import require
from app.db import local_today, transaction, utcnow
from app.errors import Invalid, NotFound
from app.extensions import db
from app.mail import queue_email
from app.storage import content_key, get_storage
from reports import analytics, hours, rendiconto
from reports.models import AlertMetric, Frequency, ReportAlertRule, ReportSchedule, ScheduleKind

# --- periods ------------------------------------------------------------------------------------


def last_complete_period(frequency: Frequency, today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The period that ended most recently before ``today``: ("2026-11", first, last day)."""
    if frequency == Frequency.MONTHLY:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return f"{last.year:04d}-{last.month:02d}", last.replace(day=1), last
    if frequency == Frequency.QUARTERLY:
        quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last = quarter_start - dt.timedelta(days=1)
        first = dt.date(last.year, 3 * ((last.month - 1) // 3) + 1, 1)
        return f"{last.year:04d}-Q{(last.month - 1) // 3 + 1}", first, last
    year = today.year - 1
    return f"{year:04d}", dt.date(year, 1, 1), dt.date(year, 12, 31)


# --- schedules ------------------------------------------------------------------------------------


def _addresses(value: Any) -> list[str]:
    from email.utils import parseaddr

    items = value if isinstance(value, list | tuple) else str(value or "").replace(";", ",").split(",")
    out = []
    for item in items:
        addr = parseaddr(str(item).strip())[1].lower()
        if addr:
            if "@" not in addr or len(addr) > 254 or "\n" in addr or "\r" in addr:
                raise Invalid("indirizzo non valido", {"recipients": [f"indirizzo non valido: {str(item)[:60]}"]})
            out.append(addr)
    return out


def _enum(cls: Any, value: Any, field: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise Invalid("valore non valido", {field: [f"uno di: {', '.join(e.value for e in cls)}"]}) from None


def create_schedule(
    *,
    actor: Any,
    name: str,
    kind: Any,
    frequency: Any,
    recipients: Any = (),
    organization_id: int | None = None,
    active: bool = True,
) -> ReportSchedule:
    require(actor, "reports.admin")
    kind = _enum(ScheduleKind, kind, "kind")
    frequency = _enum(Frequency, frequency, "frequency")
    addresses = _addresses(recipients)
    name = (name or "").strip()
    if not name:
        raise Invalid("nome obbligatorio", {"name": ["obbligatorio"]})
    if kind == ScheduleKind.OVERVIEW and not addresses:
        raise Invalid("destinatari obbligatori", {"recipients": ["almeno un indirizzo"]})
    _check_ref("organizations", "organization_id", organization_id)
    with transaction(actor=actor):
        row = ReportSchedule(
            name=name[:150],
            kind=kind,
            frequency=frequency,
            recipients=addresses,
            organization_id=organization_id,
            active=bool(active),
        )
        db.session.add(row)
    return row


def _check_ref(table: str, field: str, value: int | None) -> None:
    """A referenced ente or group must exist: 422 naming the field, never a foreign-key error."""
    if value is None:
        return
    found = db.session.execute(sa.text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": value}).first()  # noqa: S608
    if found is None:
        raise Invalid("riferimento inesistente", {field: ["non esiste"]})


def list_schedules(actor: Any) -> list[ReportSchedule]:
    require(actor, "reports.admin")
    return list(db.session.scalars(sa.select(ReportSchedule).order_by(ReportSchedule.id)))


def delete_schedule(*, actor: Any, schedule_id: int) -> None:
    require(actor, "reports.admin")
    with transaction(actor=actor):
        row = db.session.get(ReportSchedule, schedule_id)
        if row is None:
            raise NotFound("pianificazione non trovata")
        db.session.delete(row)


def _store_pdf(data: bytes) -> str:
    import hashlib

    key = content_key(hashlib.sha256(data).hexdigest(), "reports")
    get_storage().put(key, data, "application/pdf")
    return key


def overview_pdf(start: dt.date, end: dt.date) -> bytes:
    from weasyprint import HTML

    query = analytics.Query(start, end, "month")
    data = {
        "start": start,
        "end": end,
        "by_month": analytics.ticket_report(query),
        "by_channel": analytics.ticket_report(dataclasses.replace(query, group_by="channel")),
        "by_team": analytics.ticket_report(dataclasses.replace(query, group_by="team")),
    }
    html = render_template("reports/overview_pdf.html", **data)
    return HTML(string=html, url_fetcher=rendiconto._no_fetch).write_pdf()


def _referenti(organization_id: int) -> list[str]:
    from app.auth.models import Role, User

    return sorted(
        db.session.scalars(
            sa.select(User.email).where(
                User.role == Role.REFERENTE, User.organization_id == organization_id, User.active.is_(True)
            )
        )
    )


def _rendiconto_targets(schedule: ReportSchedule) -> list[int]:
    """The enti a rendiconto schedule covers: its own ente, or every ente with a referente."""
    from app.auth.models import Role, User

    if schedule.organization_id:
        return [schedule.organization_id]
    return sorted(
        db.session.scalars(
            sa.select(User.organization_id)
            .where(User.role == Role.REFERENTE, User.active.is_(True), User.organization_id.is_not(None))
            .distinct()
        )
    )


def send_schedule(schedule: ReportSchedule, period: str, first: dt.date, last: dt.date) -> int:
    """Queue the emails of one period of a schedule (in the caller's transaction); returns how many."""
    from crm.models import Organization

    sent = 0
    if schedule.kind == ScheduleKind.OVERVIEW:
        key = _store_pdf(overview_pdf(first, last))
        queue_email(
            to=schedule.recipients,
            subject=_("Panoramica dell'assistenza %(period)s", period=period),
            body_text=_(
                "In allegato la panoramica dell'assistenza dal %(first)s al %(last)s (%(name)s).",
                first=first.isoformat(),
                last=last.isoformat(),
                name=schedule.name,
            ),
            category="report",
            related_type="report_schedule",
            related_id=schedule.id,
            attachments=[{"key": key, "filename": f"panoramica-{period}.pdf", "type": "application/pdf"}],
        )
        return 1
    for org_id in _rendiconto_targets(schedule):
        to = sorted(set(_referenti(org_id)) | set(schedule.recipients or []))
        org = db.session.get(Organization, org_id)
        if not to or org is None:
            continue
        data = rendiconto.rendiconto_data(None, organization_id=org_id, year=last.year, system=True)
        key = _store_pdf(rendiconto.render_pdf(data))
        queue_email(
            to=to,
            subject=_("Rendiconto dell'assistenza %(period)s — %(ente)s", period=period, ente=org.name),
            body_text=_(
                "In allegato il rendiconto dell'assistenza del centro per %(ente)s, "
                "anno %(year)s, aggiornato al %(last)s.",
                ente=org.name,
                year=last.year,
                last=last.isoformat(),
            ),
            category="report",
            related_type="report_schedule",
            related_id=schedule.id,
            attachments=[
                {
                    "key": key,
                    "filename": f"rendiconto-{org.istat_code or org.id}-{period}.pdf",
                    "type": "application/pdf",
                }
            ],
        )
        sent += 1
    return sent


def run_schedules(*, today: dt.date | None = None) -> int:
    """Send every active schedule whose last complete period has not been sent yet; returns emails queued."""
    with hours.default_locale():
        return _run_schedules(today or local_today())


def _run_schedules(today: dt.date) -> int:
    total = 0
    ids = list(db.session.scalars(sa.select(ReportSchedule.id).where(ReportSchedule.active.is_(True))))
    for schedule_id in ids:
        with transaction():
            schedule = db.session.get(ReportSchedule, schedule_id, with_for_update=True)
            if schedule is None:
                continue
            period, first, last = last_complete_period(schedule.frequency, today)
            if schedule.last_period == period:
                continue
            total += send_schedule(schedule, period, first, last)
            schedule.last_period = period
    return total


# --- threshold alerts ---------------------------------------------------------------------------------


def create_alert_rule(
    *,
    actor: Any,
    name: str,
    metric: Any,
    threshold: Any,
    recipients: Any,
    team_id: int | None = None,
    organization_id: int | None = None,
    active: bool = True,
) -> ReportAlertRule:
    require(actor, "reports.admin")
    metric = _enum(AlertMetric, metric, "metric")
    try:
        value = decimal.Decimal(str(threshold))
    except (decimal.InvalidOperation, ValueError):
        raise Invalid("soglia non valida", {"threshold": ["un numero"]}) from None
    if not value.is_finite() or not 0 <= value < 1_000_000:
        raise Invalid("soglia non valida", {"threshold": ["tra 0 e 999999"]})
    addresses = _addresses(recipients)
    if not addresses:
        raise Invalid("destinatari obbligatori", {"recipients": ["almeno un indirizzo"]})
    if metric == AlertMetric.TEAM_BACKLOG and not team_id:
        raise Invalid("gruppo obbligatorio", {"team_id": ["obbligatorio per l'arretrato di un gruppo"]})
    name = (name or "").strip()
    if not name:
        raise Invalid("nome obbligatorio", {"name": ["obbligatorio"]})
    _check_ref("organizations", "organization_id", organization_id)
    _check_ref("teams", "team_id", team_id)
    with transaction(actor=actor):
        row = ReportAlertRule(
            name=name[:150],
            metric=metric,
            threshold=value,
            team_id=team_id,
            organization_id=organization_id,
            recipients=addresses,
            active=bool(active),
        )
        db.session.add(row)
    return row


def list_alert_rules(actor: Any) -> list[ReportAlertRule]:
    require(actor, "reports.admin")
    return list(db.session.scalars(sa.select(ReportAlertRule).order_by(ReportAlertRule.id)))


def delete_alert_rule(*, actor: Any, rule_id: int) -> None:
    require(actor, "reports.admin")
    with transaction(actor=actor):
        row = db.session.get(ReportAlertRule, rule_id)
        if row is None:
            raise NotFound("soglia non trovata")
        db.session.delete(row)


def _measure(rule: ReportAlertRule, now: dt.datetime, today: dt.date) -> tuple[float | None, bool]:
    """The figure a rule watches and whether it is beyond the threshold."""
    filters: list[tuple[str, Any]] = []
    if rule.organization_id:
        filters.append(("organization_id", rule.organization_id))
    threshold = float(rule.threshold)
    if rule.metric == AlertMetric.TEAM_BACKLOG:
        filters.append(("team_id", rule.team_id))
        query = analytics.Query(today, today, "team", tuple(sorted(filters)))
        value = float(analytics.backlog_at(query, now)[None])
        return value, value > threshold
    last = today.replace(day=1) - dt.timedelta(days=1)
    query = analytics.Query(last.replace(day=1), last, "month", tuple(sorted(filters)))
    stats = analytics.ticket_report(query)["totals"]
    if not stats["csat_count"]:
        return None, False
    value = float(stats["csat_avg"])
    return value, value < threshold


def check_alerts(*, now: dt.datetime | None = None) -> int:
    """Evaluate every active rule; email its recipients when a breach starts (not again while it
    lasts; a new breach after the figure came back notifies again). Returns emails queued."""
    with hours.default_locale():
        return _check_alerts(now or utcnow())


def _check_alerts(now: dt.datetime) -> int:
    from zoneinfo import ZoneInfo

    from flask import current_app

    today = now.astimezone(ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))).date()
    sent = 0
    ids = list(db.session.scalars(sa.select(ReportAlertRule.id).where(ReportAlertRule.active.is_(True))))
    for rule_id in ids:
        with transaction():
            rule = db.session.get(ReportAlertRule, rule_id, with_for_update=True)
            if rule is None:
                continue
            value, breached = _measure(rule, now, today)
            rule.last_value = decimal.Decimal(str(round(value, 2))) if value is not None else None
            if not breached:
                rule.breached_since = None
                continue
            if rule.breached_since is not None:
                continue
            rule.breached_since = now
            if rule.metric == AlertMetric.TEAM_BACKLOG:
                body = _(
                    "L'arretrato del gruppo è di %(value)s richieste aperte, oltre la soglia di %(threshold)s.",
                    value=int(value or 0),
                    threshold=rule.threshold,
                )
            else:
                body = _(
                    "La soddisfazione media del mese scorso è %(value)s, sotto la soglia di %(threshold)s.",
                    value=value,
                    threshold=rule.threshold,
                )
            queue_email(
                to=rule.recipients,
                subject=_("Soglia superata: %(name)s", name=rule.name),
                body_text=body,
                category="report",
                related_type="report_alert",
                related_id=rule.id,
            )
            sent += 1
    return sent
