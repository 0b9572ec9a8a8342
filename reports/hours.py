"""Hours per convenzione: included, billable used, extra, projected to the end of the year; a warning
to finance and the ente's referenti when 80% of the included hours are used (once per convenzione and
year). The figures come from billing's sources (the same the annual run bills)."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _

from app.auth.permissions import org_scope, require
from app.db import local_today, transaction
from app.errors import Invalid
from app.extensions import db
from app.mail import queue_email
from reports.models import ReportNotice

D = decimal.Decimal


@contextlib.contextmanager
def default_locale() -> Iterator[None]:
    """Jobs run outside any request: their emails and PDFs speak the center's language."""
    if has_request_context():
        yield
        return
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "it")):
        yield


CENT = D("0.01")
WARN_SHARE = D("0.8")


def _hours(minutes: int | D) -> D:
    return (D(minutes) / D(60)).quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def parse_year(value: Any) -> int:
    if value in (None, ""):
        return local_today().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Invalid("anno non valido", {"year": ["un anno, es. 2026"]}) from None
    if not 2000 <= year <= 2100:
        raise Invalid("anno non valido", {"year": ["tra 2000 e 2100"]})
    return year


def hours_rows(*, year: int, organization_id: int | None = None, today: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per convenzione touching ``year``; hours are Decimals with two decimals."""
    from billing import sources

    today = today or local_today()
    terms = [
        t for t in sources.agreements_for_year(year) if organization_id is None or t.organization_id == organization_id
    ]
    ranges = [
        (t.organization_id, max(t.start_date, dt.date(year, 1, 1)), min(t.end_date, dt.date(year, 12, 31)))
        for t in terms
    ]
    minutes = sources.billable_minutes_for(ranges, year)
    names = sources.organization_names({t.organization_id for t in terms})
    out = []
    for t, (_org, lo, hi), used in zip(terms, ranges, minutes, strict=True):
        included = D(t.included_hours).quantize(CENT)
        billable = _hours(used)
        extra = max(billable - included, D("0")).quantize(CENT)
        span = (hi - lo).days + 1
        elapsed = min(max((min(today, hi) - lo).days + 1, 0), span)
        projected = _hours(D(used) * span / elapsed) if elapsed else D("0.00")
        share = (billable / included) if included > 0 else None
        out.append(
            {
                "agreement_id": t.id,
                "agreement_code": t.code,
                "organization_id": t.organization_id,
                "organization_name": names.get(t.organization_id, str(t.organization_id)),
                "included_hours": included,
                "billable_hours": billable,
                "extra_hours": extra,
                "projected_hours": projected,
                "used_pct": round(float(share) * 100, 1) if share is not None else None,
                "warning": share is not None and share >= WARN_SHARE,
            }
        )
    return out


def hours_report(actor: Any, *, year: Any, organization_id: Any = None, today: dt.date | None = None) -> dict[str, Any]:
    require(actor, "reports.read")
    y = parse_year(year)
    org = org_scope(actor)
    if org is None and organization_id not in (None, ""):
        try:
            org = int(organization_id)
        except (TypeError, ValueError):
            raise Invalid("ente non valido", {"organization_id": ["un numero intero"]}) from None
    return {"year": y, "items": hours_rows(year=y, organization_id=org, today=today)}


EXPORT_HEADER = [
    "agreement_id",
    "agreement_code",
    "organization_id",
    "organization_name",
    "included_hours",
    "billable_hours",
    "extra_hours",
    "projected_hours",
    "used_pct",
]


def export_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [[row[h] for h in EXPORT_HEADER] for row in report["items"]]


def _recipients(organization_id: int) -> list[str]:
    from app.auth.models import Role, User

    rows = db.session.scalars(
        sa.select(User.email).where(
            User.active.is_(True),
            sa.or_(
                User.role == Role.FINANCE,
                sa.and_(User.role == Role.REFERENTE, User.organization_id == organization_id),
            ),
        )
    )
    return sorted(set(rows))


def warn_hours(*, year: int | None = None, today: dt.date | None = None) -> list[int]:
    """Email finance and the referenti of every convenzione that used 80% of its included hours in
    ``year``, once per convenzione and year (a ``ReportNotice`` row is the key); returns the
    convenzioni warned now."""
    with default_locale():
        return _warn_hours(year=year, today=today)


def _warn_hours(*, year: int | None, today: dt.date | None) -> list[int]:
    today = today or local_today()
    year = year or today.year
    warned = []
    for row in hours_rows(year=year, today=today):
        if not row["warning"]:
            continue
        key = f"hours80:{row['agreement_id']}:{year}"
        with transaction():
            if db.session.scalar(sa.select(ReportNotice.id).where(ReportNotice.key == key)) is not None:
                continue
            db.session.add(
                ReportNotice(
                    key=key,
                    organization_id=row["organization_id"],
                    detail={"year": year, "used_pct": row["used_pct"], "billable_hours": str(row["billable_hours"])},
                )
            )
            recipients = _recipients(row["organization_id"])
            if recipients:
                queue_email(
                    to=recipients,
                    subject=_(
                        "Convenzione %(code)s: usato il %(pct)s%% delle ore incluse nel %(year)s",
                        code=row["agreement_code"],
                        pct=row["used_pct"],
                        year=year,
                    ),
                    body_text=_(
                        "%(ente)s ha usato %(used)s ore di assistenza fatturabili sulle %(included)s incluse "
                        "nella convenzione %(code)s per il %(year)s (%(pct)s%%). Proiezione a fine anno: "
                        "%(projected)s ore. Le ore oltre quelle incluse sono fatturate a parte.",
                        ente=row["organization_name"],
                        used=row["billable_hours"],
                        included=row["included_hours"],
                        code=row["agreement_code"],
                        year=year,
                        pct=row["used_pct"],
                        projected=row["projected_hours"],
                    ),
                    category="report",
                    related_type="agreement",
                    related_id=row["agreement_id"],
                )
        warned.append(row["agreement_id"])
    return warned


def warned_agreements(year: int) -> set[int]:
    """The convenzioni already warned for ``year`` (the badge on the pages)."""
    prefix = "hours80:"
    keys = db.session.scalars(sa.select(ReportNotice.key).where(ReportNotice.key.like(f"{prefix}%:{year}")))
    return {int(k.split(":")[1]) for k in keys}
