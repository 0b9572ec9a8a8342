"""Rules of the digital-agenda indicators: the catalog, values with history, current values, summaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.api import keyset_page
from app.auth.permissions import check_org, org_scope, require
from app.db import get_row, local_today, transaction
from app.errors import Invalid, NotFound
from app.extensions import db
from crm.models import Organization, OrgKind
from indicators import evidence as ev
from indicators.models import Funding, Indicator, IndicatorValue, Kind, Source
from indicators.values import is_met, parse_target, parse_value

FIELDS = (
    "code",
    "name",
    "description",
    "measure",
    "kind",
    "unit",
    "target",
    "choices",
    "deadline",
    "service_ids",
    "active",
)


def _clean(values: dict[str, Any], current: Indicator | None = None) -> dict[str, Any]:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise Invalid("campi sconosciuti", {f: ["campo sconosciuto"] for f in sorted(unknown)})
    out = dict(values)
    for key in ("code", "name"):
        if key in out:
            out[key] = (out[key] or "").strip()
            if not out[key]:
                raise Invalid("campo obbligatorio", {key: ["obbligatorio"]})
    if "code" in out:
        clash = db.session.scalar(sa.select(Indicator.id).where(Indicator.code == out["code"]))
        if clash is not None and (current is None or clash != current.id):
            raise Invalid("codice già usato", {"code": ["codice già usato"]})
    kind = out.get("kind", current.kind if current else None)
    try:
        kind = Kind(str(kind))
    except ValueError as exc:
        raise Invalid("tipo non valido", {"kind": ["tipo non valido"]}) from exc
    out["kind"] = kind
    choices = out.get("choices", current.choices if current else [])
    choices = [str(c).strip() for c in (choices or []) if str(c).strip()]
    if kind == Kind.CHOICE and not choices:
        raise Invalid("scelte mancanti", {"choices": ["almeno una scelta"]})
    out["choices"] = choices
    if "target" in out or "kind" in values or "choices" in values:
        out["target"] = parse_target(kind, out.get("target", current.target if current else None), choices=choices)
    if "service_ids" in out:
        out["service_ids"] = sorted({int(i) for i in out["service_ids"] or []})
    return out


def create_indicator(*, actor: Any, **data: Any) -> Indicator:
    require(actor, "indicators.write")
    values = _clean({"code": data.get("code", ""), "name": data.get("name", ""), **data})
    with transaction(actor=actor):
        indicator = Indicator(**values)
        db.session.add(indicator)
        db.session.flush()
    return indicator


def update_indicator(*, indicator_id: int, actor: Any, **changes: Any) -> Indicator:
    require(actor, "indicators.write")
    with transaction(actor=actor):
        indicator = get_indicator(indicator_id)
        for key, value in _clean(changes, indicator).items():
            setattr(indicator, key, value)
    return indicator


def get_indicator(indicator_id: int) -> Indicator:
    indicator = get_row(Indicator, indicator_id)
    if indicator is None:
        raise NotFound("indicatore non trovato")
    return indicator


def list_indicators(*, active_only: bool = False) -> list[Indicator]:
    stmt = sa.select(Indicator).order_by(Indicator.measure, Indicator.code)
    if active_only:
        stmt = stmt.where(Indicator.active.is_(True))
    return list(db.session.scalars(stmt))


def indicators_by_code() -> dict[str, Indicator]:
    return {i.code: i for i in db.session.scalars(sa.select(Indicator))}


def _organization(organization_id: int, user: Any) -> Organization:
    check_org(user, organization_id, "ente non trovato")
    org = get_row(Organization, organization_id)
    if org is None:
        raise NotFound("ente non trovato")
    return org


def record_value(
    *,
    actor: Any,
    organization_id: int,
    indicator_id: int,
    value: Any,
    as_of: dt.date | None = None,
    source: Source | str = Source.OPERATOR,
    note: str = "",
    evidence_url: str | None = None,
    evidence_file: tuple[str, bytes] | None = None,
    today: dt.date | None = None,
) -> IndicatorValue:
    """Add a value (history is kept). A referente records only for its own ente. The evidence is a link
    or an uploaded file ``(filename, bytes)`` (indicators.evidence: PDF or image, size limited)."""
    require(actor, "indicators.values")
    check_org(actor, organization_id, "ente non trovato")
    stored = None
    if evidence_file is not None:
        if evidence_url:
            raise Invalid("una sola evidenza", {"evidence_file": ["un link oppure un file, non entrambi"]})
        stored = ev.store(*evidence_file)
    with transaction(actor=actor):
        row = add_value(
            organization_id=organization_id,
            indicator_id=indicator_id,
            value=value,
            as_of=as_of or today or local_today(),
            source=source,
            note=note,
            evidence_url=evidence_url,
            evidence=stored,
            user=actor,
        )
    return row


def add_value(
    *,
    organization_id: int,
    indicator_id: int,
    value: Any,
    as_of: dt.date,
    source: Source | str,
    note: str = "",
    evidence_url: str | None = None,
    evidence: ev.Evidence | None = None,
    user: Any = None,
) -> IndicatorValue:
    """Inside the caller's transaction: check, parse and add one value row."""
    _organization(organization_id, user)
    indicator = get_row(Indicator, indicator_id)
    if indicator is None:
        raise Invalid("indicatore non trovato", {"indicator_id": ["indicatore non trovato"]})
    try:
        source = Source(source)
    except ValueError as exc:
        raise Invalid("fonte non valida", {"source": ["fonte non valida"]}) from exc
    if evidence_url and not evidence_url.startswith(("https://", "http://")):
        raise Invalid("link non valido", {"evidence_url": ["atteso un link http(s)"]})
    row = IndicatorValue(
        organization_id=organization_id,
        indicator_id=indicator.id,
        value=parse_value(indicator.kind, value, choices=indicator.choices),
        as_of=as_of,
        source=source,
        note=(note or "").strip(),
        evidence_url=evidence_url or None,
        author_id=getattr(user, "id", None),
        **(evidence.columns() if evidence else {}),
    )
    db.session.add(row)
    db.session.flush()
    return row


def evidence_of(*, value_id: int, user: Any) -> IndicatorValue:
    """A value whose evidence file the user may download: a referente only its own ente's (404 otherwise)."""
    require(user, "indicators.read")
    row = get_row(IndicatorValue, value_id)
    if row is None or not row.evidence_sha256:
        raise NotFound("evidenza non trovata")
    check_org(user, row.organization_id, "evidenza non trovata")
    return row


def value_history(*, organization_id: int, indicator_id: int, user: Any) -> list[IndicatorValue]:
    """Every value of an indicator for an ente, newest first (the operator's page)."""
    _organization(organization_id, user)
    return list(
        db.session.scalars(
            sa.select(IndicatorValue)
            .where(IndicatorValue.organization_id == organization_id, IndicatorValue.indicator_id == indicator_id)
            .order_by(IndicatorValue.as_of.desc(), IndicatorValue.id.desc())
        )
    )


def list_values(
    *,
    user: Any,
    organization_id: int | None = None,
    indicator_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[IndicatorValue], str | None]:
    stmt = sa.select(IndicatorValue)
    scope = org_scope(user)
    if scope is not None:
        if organization_id is not None and organization_id != scope:
            return [], None
        organization_id = scope
    if organization_id is not None:
        stmt = stmt.where(IndicatorValue.organization_id == organization_id)
    if indicator_id is not None:
        stmt = stmt.where(IndicatorValue.indicator_id == indicator_id)
    return keyset_page(stmt, [IndicatorValue.id], limit=limit, cursor=cursor)


def _current_rows(org_ids: Any, indicator_id: int | None = None) -> list[IndicatorValue]:
    """The current value (latest as_of, then latest id) of every (ente, indicator) pair selected."""
    ranked = sa.select(
        IndicatorValue.id,
        sa.func.row_number()
        .over(
            partition_by=(IndicatorValue.organization_id, IndicatorValue.indicator_id),
            order_by=(IndicatorValue.as_of.desc(), IndicatorValue.id.desc()),
        )
        .label("rn"),
    )
    if org_ids is not None:
        ranked = ranked.where(IndicatorValue.organization_id.in_(org_ids))
    if indicator_id is not None:
        ranked = ranked.where(IndicatorValue.indicator_id == indicator_id)
    sub = ranked.subquery()
    stmt = sa.select(IndicatorValue).join(sub, sub.c.id == IndicatorValue.id).where(sub.c.rn == 1)
    return list(db.session.scalars(stmt))


def current_values(*, organization_id: int, user: Any) -> list[dict[str, Any]]:
    """Every active indicator with the ente's current value, its target and whether it is met."""
    _organization(organization_id, user)
    current = {r.indicator_id: r for r in _current_rows([organization_id])}
    fundings: dict[int, list[Funding]] = {}
    for f in db.session.scalars(sa.select(Funding).where(Funding.organization_id == organization_id)):
        if f.indicator_id is not None:
            fundings.setdefault(f.indicator_id, []).append(f)
    out = []
    for ind in list_indicators(active_only=True):
        row = current.get(ind.id)
        out.append(
            {
                "indicator_id": ind.id,
                "code": ind.code,
                "name": ind.name,
                "measure": ind.measure,
                "kind": ind.kind.value,
                "unit": ind.unit,
                "value": row.value if row else None,
                "as_of": row.as_of if row else None,
                "source": row.source.value if row else None,
                "target": ind.target,
                "deadline": ind.deadline,
                "met": is_met(ind.kind, row.value if row else None, ind.target),
                "service_ids": ind.service_ids,
                "fundings": fundings.get(ind.id, []),
            }
        )
    return out


def province_comuni(province: str | None) -> sa.Select:
    stmt = sa.select(Organization.id).where(Organization.kind == OrgKind.COMUNE, Organization.active.is_(True))
    if province:
        stmt = stmt.where(Organization.province == province.strip().upper())
    return stmt


def province_table(*, indicator_id: int, province: str | None, user: Any) -> list[dict[str, Any]]:
    """Each comune of the province with its current value of the indicator and whether it is met."""
    require(user, "indicators.staff")
    indicator = get_indicator(indicator_id)
    orgs = db.session.execute(
        sa.select(Organization.id, Organization.name, Organization.province, Organization.istat_code)
        .where(Organization.id.in_(province_comuni(province)))
        .order_by(Organization.name)
    ).all()
    current = {r.organization_id: r for r in _current_rows(province_comuni(province), indicator.id)}
    rows = []
    for org_id, name, prov, istat in orgs:
        row = current.get(org_id)
        rows.append(
            {
                "organization_id": org_id,
                "name": name,
                "province": prov,
                "istat_code": istat,
                "value": row.value if row else None,
                "as_of": row.as_of if row else None,
                "met": is_met(indicator.kind, row.value if row else None, indicator.target),
            }
        )
    return rows


def summary(*, indicator_id: int, province: str | None, user: Any) -> dict[str, Any]:
    """met / not_met / no_data over the comuni of the province, and the average of numeric current values."""
    indicator = get_indicator(indicator_id)
    rows = province_table(indicator_id=indicator_id, province=province, user=user)
    numbers = [
        float(r["value"]) for r in rows if isinstance(r["value"], int | float) and not isinstance(r["value"], bool)
    ]
    if indicator.kind == Kind.BOOLEAN:
        numbers = [1.0 if r["value"] else 0.0 for r in rows if r["value"] is not None]
    return {
        "met": sum(1 for r in rows if r["met"] is True),
        "not_met": sum(1 for r in rows if r["met"] is False),
        "no_data": sum(1 for r in rows if r["value"] is None),
        "average": round(sum(numbers) / len(numbers), 2) if numbers else None,
    }


def trend(*, indicator_id: int, province: str | None, user: Any) -> list[dict[str, Any]]:
    """Per month (of as_of), how many comuni had by then a value meeting the target, one not meeting it,
    and no value yet: the curve of progress."""
    require(user, "indicators.staff")
    indicator = get_indicator(indicator_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(province_comuni(province).subquery())) or 0
    rows = db.session.execute(
        sa.select(IndicatorValue.organization_id, IndicatorValue.as_of, IndicatorValue.value)
        .where(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.organization_id.in_(province_comuni(province)),
        )
        .order_by(IndicatorValue.as_of, IndicatorValue.id)
    ).all()
    latest: dict[int, Any] = {}
    out: list[dict[str, Any]] = []
    for org_id, as_of, value in rows:
        latest[org_id] = value
        month = as_of.strftime("%Y-%m")
        verdicts = [is_met(indicator.kind, v, indicator.target) for v in latest.values()]
        point = {
            "month": month,
            "met": verdicts.count(True),
            "not_met": verdicts.count(False),
            "no_data": max(total - len(latest), 0),
        }
        if out and out[-1]["month"] == month:
            out[-1] = point
        else:
            out.append(point)
    return out


def service_choices() -> list[tuple[int, str]]:
    """The center's catalog of services, to link to an indicator (what the center can do about it)."""
    from crm.services import list_services

    return [(s.id, s.name) for s in list_services()]
